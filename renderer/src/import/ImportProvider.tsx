import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ImportJobStatus } from '../../../shared/api/contract.js';
import type { FileOutcome, ImportTotals } from '../../../shared/import/types.js';
import { emptyTotals } from '../../../shared/import/types.js';
import { api, pathForFile } from '../api/client.js';
import { useDataChanged } from '../state/filter.js';
import { readAsBase64 } from './collect-files.js';

export interface ImportState {
  running: boolean;
  done: number;
  total: number;
  totals: ImportTotals;
  outcomes: FileOutcome[];
  error: string | null;
}

interface ImportContextValue {
  state: ImportState | null;
  importFiles: (files: File[]) => Promise<void>;
  /** Files and folders by path: only the desktop app can name them. */
  importPaths: (paths: string[]) => Promise<void>;
  chooseAndImport: (what: 'files' | 'folder') => Promise<void>;
}

const ImportContext = createContext<ImportContextValue | null>(null);

/** Bytes uploaded per request in serve mode; the server takes at most 256 MiB of base64. */
const UPLOAD_BATCH_BYTES = 64 * 1024 * 1024;
const POLL_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs imports (drops, dialogs, pickers) and keeps their progress for the Import view. */
export function ImportProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<ImportState | null>(null);
  const dataChanged = useDataChanged();
  const running = useRef(false);

  /** Follows one backend job to its end, adding its outcomes to the state. */
  const follow = useCallback(async (jobId: string, base: { done: number; totals: ImportTotals }, total: number) => {
    let since = 0;
    let status: ImportJobStatus;
    do {
      await sleep(POLL_MS);
      status = await api.call('importStatus', { jobId, since });
      since += status.outcomes.length;
      const latest = status;
      setState((previous) => ({
        running: true,
        done: base.done + latest.progress.done,
        total: Math.max(total, base.done + latest.progress.total),
        totals: addTotals(base.totals, latest.progress.totals),
        outcomes: [...(previous?.outcomes ?? []), ...latest.outcomes],
        error: latest.error,
      }));
    } while (!status.done);
    return { done: base.done + status.progress.done, totals: addTotals(base.totals, status.progress.totals) };
  }, []);

  const run = useCallback(
    async (work: (begin: (total: number) => void) => Promise<void>) => {
      if (running.current) return;
      running.current = true;
      try {
        await work((total) => {
          setState({ running: true, done: 0, total, totals: emptyTotals(), outcomes: [], error: null });
        });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        setState((previous) => ({ ...(previous ?? initialState()), error: message }));
      } finally {
        running.current = false;
        setState((previous) => (previous ? { ...previous, running: false } : previous));
        dataChanged();
      }
    },
    [dataChanged],
  );

  const importFiles = useCallback(
    (files: File[]) =>
      run(async (begin) => {
        if (files.length === 0) return;
        begin(files.length);
        const paths = files.map(pathForFile);
        if (paths.every((path): path is string => path !== null)) {
          const { jobId } = await api.call('startImport', { paths });
          await follow(jobId, { done: 0, totals: emptyTotals() }, files.length);
          return;
        }
        let progress = { done: 0, totals: emptyTotals() };
        for (const batch of batches(files)) {
          const uploads = await Promise.all(
            batch.map(async (file) => ({ name: file.name, base64: await readAsBase64(file) })),
          );
          const { jobId } = await api.call('startImport', { files: uploads });
          progress = await follow(jobId, progress, files.length);
        }
      }),
    [run, follow],
  );

  const importPaths = useCallback(
    (paths: string[]) =>
      run(async (begin) => {
        if (paths.length === 0) return;
        begin(paths.length);
        const { jobId } = await api.call('startImport', { paths });
        await follow(jobId, { done: 0, totals: emptyTotals() }, paths.length);
      }),
    [run, follow],
  );

  const chooseAndImport = useCallback(
    (what: 'files' | 'folder') =>
      run(async (begin) => {
        const { jobId } = await api.call('chooseAndImport', { what });
        if (jobId === null) return;
        begin(0);
        await follow(jobId, { done: 0, totals: emptyTotals() }, 0);
      }),
    [run, follow],
  );

  const value = useMemo(
    () => ({ state, importFiles, importPaths, chooseAndImport }),
    [state, importFiles, importPaths, chooseAndImport],
  );
  return <ImportContext.Provider value={value}>{children}</ImportContext.Provider>;
}

function initialState(): ImportState {
  return { running: false, done: 0, total: 0, totals: emptyTotals(), outcomes: [], error: null };
}

function addTotals(a: ImportTotals, b: ImportTotals): ImportTotals {
  return {
    files: a.files + b.files,
    imported: a.imported + b.imported,
    duplicates: a.duplicates + b.duplicates,
    rejected: a.rejected + b.rejected,
    skipped: a.skipped + b.skipped,
  };
}

function* batches(files: File[]): Generator<File[]> {
  let batch: File[] = [];
  let size = 0;
  for (const file of files) {
    if (batch.length > 0 && size + file.size > UPLOAD_BATCH_BYTES) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(file);
    size += file.size;
  }
  if (batch.length > 0) yield batch;
}

export function useImports(): ImportContextValue {
  const context = useContext(ImportContext);
  if (!context) throw new Error('ImportProvider is missing');
  return context;
}
