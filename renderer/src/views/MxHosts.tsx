import { createColumnHelper } from '@tanstack/react-table';
import { Link, useNavigate } from 'react-router';
import type { MxHostRow } from '../../../shared/api/contract.js';
import { useApi } from '../api/useApi.js';
import { SortableTable } from '../components/SortableTable.js';
import { mxBreakdownColumns } from '../components/mx-columns.js';
import { Loaded } from '../components/States.js';
import { useFilter } from '../state/filter.js';
import { failuresLink } from './failure-links.js';
import { mxHostLink } from './MxHostDetail.js';

const column = createColumnHelper<MxHostRow>();
const columns = [
  ...mxBreakdownColumns<MxHostRow>(),
  column.accessor((row) => row.mx ?? '', {
    id: 'failures',
    header: 'Failure details',
    enableSorting: false,
    // A link inside an openable row: the click and Enter are the link's, not the row's.
    cell: (cell) => (
      <Link
        to={failuresLink({ mx: cell.row.original.mx })}
        onClick={(event) => {
          event.stopPropagation();
        }}
        onKeyDown={(event) => {
          event.stopPropagation();
        }}
      >
        Failures
      </Link>
    ),
  }),
];

/** One row per receiving MX host named in failure details; a row opens that host. */
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
              onRowOpen={(row) => void navigate(mxHostLink(row.mx))}
            />
          )
        }
      </Loaded>
    </>
  );
}
