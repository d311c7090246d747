import { createColumnHelper } from '@tanstack/react-table';
import { useNavigate } from 'react-router';
import type { MxHostRow } from '../../../shared/api/contract.js';
import { useApi } from '../api/useApi.js';
import { SortableTable } from '../components/SortableTable.js';
import { mxBreakdownColumns } from '../components/mx-columns.js';
import { Loaded } from '../components/States.js';
import { formatCount } from '../format.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';

const column = createColumnHelper<MxHostRow>();
const columns = [
  ...mxBreakdownColumns<MxHostRow>(),
  column.accessor('sendingMtaIps', {
    header: 'Sending IPs',
    cell: (cell) => formatCount(cell.getValue()),
    meta: { numeric: true },
  }),
  column.accessor((row) => row.receivingIps.join(', '), { id: 'receivingIps', header: 'Receiving IPs' }),
  column.accessor((row) => row.senders.join(', '), { id: 'senders', header: 'Seen by' }),
];

/** One row per receiving MX host named in failure details. */
export function MxHosts() {
  const { filter } = useFilter();
  const rows = useApi('mxHosts', { filter });
  const navigate = useNavigate();
  return (
    <>
      <h2>MX hosts</h2>
      <Loaded state={rows}>
        {(value) =>
          value.length === 0 ? (
            <p className="muted">No failures name an MX host in this time range.</p>
          ) : (
            <SortableTable
              label="MX hosts"
              testId="mx-table"
              rows={value}
              columns={columns}
              onRowOpen={(row) => void navigate(failuresLink({ mx: row.mx }))}
            />
          )
        }
      </Loaded>
    </>
  );
}
