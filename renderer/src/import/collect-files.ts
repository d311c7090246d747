/**
 * What a drop holds: in the desktop app, the paths of what was dropped
 * (files and folders alike; the backend reads and walks them); in a browser,
 * the files themselves, to upload.
 */
export type DroppedItems = { paths: string[] } | { files: Promise<File[]> };

/**
 * Reads a drop. It must run inside the drop event: the DataTransfer is
 * emptied once the handler returns. The desktop app's path lookup
 * (Electron's webUtils.getPathForFile) answers only for the very File objects
 * the drop carries — for a copy made with `new File([file], …)` it returns ''
 * — so the dropped objects are asked, never copies. A dropped folder is one of
 * them, and its path is the folder's.
 */
export function readDrop(dataTransfer: DataTransfer, pathOf: (file: File) => string | null): DroppedItems {
  const dropped = [...dataTransfer.files];
  const paths = dropped.map(pathOf);
  if (dropped.length > 0 && paths.every((path): path is string => path !== null)) return { paths };
  return { files: filesFromDrop(dataTransfer) };
}

/**
 * Turns a drop into files, for a browser, which hands over dropped folders as
 * directory entries: they are walked here, and their files named by their
 * path inside the drop.
 */
async function filesFromDrop(dataTransfer: DataTransfer): Promise<File[]> {
  const entries = [...dataTransfer.items]
    .map((item) => (item.kind === 'file' ? item.webkitGetAsEntry() : null))
    .filter((entry): entry is FileSystemEntry => entry !== null);
  if (entries.length === 0) return [...dataTransfer.files];
  const files: File[] = [];
  for (const entry of entries) await collect(entry, '', files);
  return files;
}

async function collect(entry: FileSystemEntry, prefix: string, into: File[]): Promise<void> {
  if (isFile(entry)) {
    const file = await new Promise<File>((resolve, reject) => {
      entry.file(resolve, reject);
    });
    into.push(new File([file], `${prefix}${file.name}`, { type: file.type, lastModified: file.lastModified }));
    return;
  }
  if (!isDirectory(entry)) return;
  const reader = entry.createReader();
  // readEntries returns at most ~100 entries per call: read until empty.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => {
      reader.readEntries(resolve, reject);
    });
    if (batch.length === 0) break;
    for (const child of batch) await collect(child, `${prefix}${entry.name}/`, into);
  }
}

function isFile(entry: FileSystemEntry): entry is FileSystemFileEntry {
  return entry.isFile;
}

function isDirectory(entry: FileSystemEntry): entry is FileSystemDirectoryEntry {
  return entry.isDirectory;
}

/** The bytes of a file as base64, without building one huge string by hand. */
export function readAsBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = reader.result;
      if (typeof url !== 'string') {
        reject(new Error(`cannot read ${file.name}`));
        return;
      }
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => {
      reject(reader.error ?? new Error(`cannot read ${file.name}`));
    };
    reader.readAsDataURL(file);
  });
}
