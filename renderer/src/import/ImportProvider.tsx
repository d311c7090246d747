import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { ImportJobStatus } from '../../../shared/api/contract.js';
import type { FileOutcome, ImportTotals } from '../../../shared/import/types.js';
import { addToTotals, emptyTotals } from '../../../shared/import/types.js';
import { MAX_FILES_PER_UPLOAD } from '../../../shared/api/upload.js';
import { ApiCallError, api, canUpload, pathForFile, uploadFile, uploadFiles } from '../api/client.js';
import { readAsBase64 } from './collect-files.js';
import { useDataChanged } from '../state/filter.js';

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
  /** Desktop only: `onStarted` is called once an import began (not when nothing was chosen). */
  chooseAndImport: (what: 'files' | 'folder' | 'opened', onStarted?: () => void) => Promise<void>;
}

const ImportContext = createContext<ImportContextValue | null>(null);

/** Files uploaded before their import starts, in serve mode: the server spools them to disk meanwhile. */
const UPLOAD_BATCH_BYTES = 256 * 1024 * 1024;
const UPLOAD_BATCH_FILES = 2000;
/**
 * One upload request carries up to this many files and bytes (the server
 * takes 1,000 files and 64 MiB): one request per file cost more than the
 * import of a small report. A file larger than this goes alone.
 */
const REQUEST_FILES = Math.min(500, MAX_FILES_PER_UPLOAD);
const REQUEST_BYTES = 16 * 1024 * 1024;
/** Bytes per IPC call in the desktop app, as base64 (the contract takes up to 180 MiB of it per file). */
const IPC_BATCH_BYTES = 64 * 1024 * 1024;
/** Uploads at once; the server takes four, and two keep the connection busy on loopback. */
const PARALLEL_UPLOADS = 2;
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
        if (!canUpload()) {
          // The desktop app, with files that have no path (dragged out of an archive viewer): bytes over IPC.
          for (const batch of batches(files, IPC_BATCH_BYTES)) {
            const inline = await Promise.all(
              batch.map(async (file) => ({ name: file.name, base64: await readAsBase64(file) })),
            );
            const { jobId } = await api.call('startImport', { files: inline });
            progress = await follow(jobId, progress, files.length);
          }
          return;
        }
        // The next batch uploads while the server imports the one before: the server's import runs in
        // worker threads and short transactions, so both go on at once, and the outcomes stay in order.
        let importing: Promise<void> = Promise.resolve();
        for (const batch of batches(files, UPLOAD_BATCH_BYTES)) {
          const { uploads, refused } = await uploadBatch(batch);
          await importing;
          if (refused.length > 0) {
            const totals = { ...progress.totals };
            refused.forEach((outcome) => addToTotals(totals, outcome));
            progress = { done: progress.done + refused.length, totals };
            const shown = progress;
            setState((previous) => ({
              ...(previous ?? initialState()),
              running: true,
              done: shown.done,
              totals: shown.totals,
              outcomes: [...(previous?.outcomes ?? []), ...refused],
            }));
          }
          if (uploads.length === 0) continue;
          const { jobId } = await api.call('startImport', { uploads });
          importing = follow(jobId, progress, files.length).then((after) => {
            progress = after;
          });
          // Awaited after the next batch's upload; until then a failure must not count as unhandled.
          importing.catch(() => undefined);
        }
        await importing;
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
    (what: 'files' | 'folder' | 'opened', onStarted?: () => void) =>
      run(async (begin) => {
        const { jobId } = await api.call('chooseAndImport', { what });
        if (jobId === null) return;
        onStarted?.();
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

function* batches(files: File[], maxBytes: number): Generator<File[]> {
  let batch: File[] = [];
  let size = 0;
  for (const file of files) {
    if (batch.length > 0 && (size + file.size > maxBytes || batch.length >= UPLOAD_BATCH_FILES)) {
      yield batch;
      batch = [];
      size = 0;
    }
    batch.push(file);
    size += file.size;
  }
  if (batch.length > 0) yield batch;
}

/**
 * Uploads a batch, many files per request and two requests at a time; the ids
 * come back in the files' order. A file the server refuses (too large)
 * becomes its outcome.
 */
async function uploadBatch(batch: File[]): Promise<{ uploads: string[]; refused: FileOutcome[] }> {
  const requests = [...groups(batch, REQUEST_FILES, REQUEST_BYTES)];
  const answers: { name: string; uploadId: string | null; refused: string | null }[][] = requests.map(() => []);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let index = next++; index < requests.length; index = next++) {
      const files = requests[index] ?? [];
      answers[index] = await uploadRequest(files);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_UPLOADS }, worker));
  const uploads: string[] = [];
  const refused: FileOutcome[] = [];
  for (const answer of answers.flat()) {
    if (answer.uploadId !== null) {
      uploads.push(answer.uploadId);
      continue;
    }
    const message = answer.refused ?? 'not uploaded';
    refused.push({
      file: answer.name,
      status: 'rejected',
      reports: [{ status: 'rejected', field: null, error: message, part: null }],
      message,
    });
  }
  return { uploads, refused };
}

/** One request: a lone large file as it is, several small ones as multipart. */
async function uploadRequest(
  files: File[],
): Promise<{ name: string; uploadId: string | null; refused: string | null }[]> {
  const [only] = files;
  if (files.length === 1 && only) {
    try {
      return [{ name: only.name, uploadId: await uploadWhenFree(() => uploadFile(only)), refused: null }];
    } catch (error) {
      if (!(error instanceof ApiCallError) || error.code === 'internal') throw error;
      return [{ name: only.name, uploadId: null, refused: error.message }];
    }
  }
  const answer = await uploadWhenFree(() => uploadFiles(files));
  return answer.map((part) =>
    'uploadId' in part
      ? { name: part.name, uploadId: part.uploadId, refused: null }
      : { name: part.name, uploadId: null, refused: part.refused },
  );
}

function* groups(files: File[], maxFiles: number, maxBytes: number): Generator<File[]> {
  let group: File[] = [];
  let size = 0;
  for (const file of files) {
    if (group.length > 0 && (group.length >= maxFiles || size + file.size > maxBytes)) {
      yield group;
      group = [];
      size = 0;
    }
    group.push(file);
    size += file.size;
  }
  if (group.length > 0) yield group;
}

/** The server takes a few uploads at once and says `unavailable` past them (other tabs may upload too). */
async function uploadWhenFree<T>(send: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (error) {
      if (!(error instanceof ApiCallError) || error.code !== 'unavailable' || attempt >= 50) throw error;
      await sleep(200);
    }
  }
}

export function useImports(): ImportContextValue {
  const context = useContext(ImportContext);
  if (!context) throw new Error('ImportProvider is missing');
  return context;
}
