import type * as Electron from 'electron';

/** What of Electron's 'context-menu' parameters the menu depends on. */
type ContextMenuParams = Pick<
  Electron.ContextMenuParams,
  'isEditable' | 'selectionText' | 'linkURL' | 'editFlags' | 'frame'
>;

/**
 * The right-click menu: Electron shows none by default, so without it a
 * sign-in link, a mailbox field or a finding's text cannot be copied with
 * the mouse. Roles do the editing (Electron sends them to the focused
 * field, as its context-menu guide does); a link's address is copied by
 * main. Empty where nothing applies, and then no menu opens.
 */
function contextMenuTemplate(
  params: Omit<ContextMenuParams, 'frame'>,
  copyText: (text: string) => void,
): Electron.MenuItemConstructorOptions[] {
  const template: Electron.MenuItemConstructorOptions[] = [];
  if (params.isEditable) {
    template.push(
      { role: 'cut', enabled: params.editFlags.canCut },
      { role: 'copy', enabled: params.editFlags.canCopy },
      { role: 'paste', enabled: params.editFlags.canPaste },
      { type: 'separator' },
      { role: 'selectAll', enabled: params.editFlags.canSelectAll },
    );
  } else if (params.selectionText !== '') {
    template.push({ role: 'copy' }, { role: 'selectAll' });
  }
  if (/^https?:/i.test(params.linkURL)) {
    if (template.length > 0) template.push({ type: 'separator' });
    const link = params.linkURL;
    template.push({ label: 'Copy link address', click: () => copyText(link) });
  }
  return template;
}

/** Opens the context menu on right-click in `contents`. */
export function attachContextMenu(
  electron: { Menu: Pick<typeof Electron.Menu, 'buildFromTemplate'>; clipboard: Pick<Electron.Clipboard, 'writeText'> },
  contents: Pick<Electron.WebContents, 'on'>,
): void {
  contents.on('context-menu', (_event, params) => {
    const template = contextMenuTemplate(params, (text) => {
      // Electron 45's writeText answers with a promise; a refusal leaves the clipboard as it was.
      void Promise.resolve(electron.clipboard.writeText(text)).catch(() => undefined);
    });
    if (template.length === 0) return;
    // The frame lets macOS add its own items (Writing Tools, Services), as the guide says.
    electron.Menu.buildFromTemplate(template).popup(params.frame ? { frame: params.frame } : {});
  });
}
