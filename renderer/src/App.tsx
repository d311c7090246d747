import { useEffect, useState, type DragEvent } from 'react';
import { HashRouter, NavLink, Route, Routes, useNavigate } from 'react-router';
import { pathForFile } from './api/client.js';
import { FilterBar } from './components/FilterBar.js';
import { readDrop } from './import/collect-files.js';
import { ImportProvider, useImports } from './import/ImportProvider.js';
import { FilterProvider } from './state/filter.js';
import { useFindingNotifications } from './state/finding-notifications.js';
import { DomainPage, Domains } from './views/Domains.js';
import { Failures } from './views/Failures.js';
import { ImportView } from './views/ImportView.js';
import { Mailboxes } from './views/Mailboxes.js';
import { Policies } from './views/Policies.js';
import { MxHostPage } from './views/MxHostPage.js';
import { MxHosts } from './views/MxHosts.js';
import { Overview } from './views/Overview.js';
import { ReportPage, Reports } from './views/Reports.js';
import { SenderPage, Senders } from './views/Senders.js';

const NAVIGATION = [
  { to: '/', label: 'Overview' },
  { to: '/domains', label: 'Domains' },
  { to: '/senders', label: 'Senders' },
  { to: '/mx', label: 'MX hosts' },
  { to: '/failures', label: 'Failures' },
  { to: '/reports', label: 'Reports' },
  { to: '/import', label: 'Import' },
  { to: '/policies', label: 'Policies' },
  { to: '/mailboxes', label: 'Mailboxes' },
];

export function App() {
  return (
    <HashRouter>
      <FilterProvider>
        <ImportProvider>
          <Shell />
        </ImportProvider>
      </FilterProvider>
    </HashRouter>
  );
}

/** The window: navigation, shared filters, the current view, and a drop target over all of it. */
function Shell() {
  const { importFiles, importPaths, chooseAndImport } = useImports();
  useFindingNotifications();
  const navigate = useNavigate();
  const [dragging, setDragging] = useState(false);
  // File ▸ Import… in the desktop app's menu: the same path as the Import view's buttons.
  useEffect(
    () =>
      window.tlsrpt?.onMenuCommand((command) => {
        void navigate('/import');
        void chooseAndImport(command === 'import-files' ? 'files' : 'folder');
      }),
    [navigate, chooseAndImport],
  );
  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(false);
    const dropped = readDrop(event.dataTransfer, pathForFile);
    if ('paths' in dropped) {
      void navigate('/import');
      void importPaths(dropped.paths);
      return;
    }
    void dropped.files.then((files) => {
      if (files.length === 0) return;
      void navigate('/import');
      void importFiles(files);
    });
  };
  return (
    <div
      className={`app${dragging ? ' dragging' : ''}`}
      data-testid="app"
      onDragOver={(event) => {
        event.preventDefault();
        event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="top">
        <h1>tlsrpt-viewer</h1>
        <nav aria-label="Views">
          {NAVIGATION.map((item) => (
            <NavLink key={item.to} to={item.to} end={item.to === '/'}>
              {item.label}
            </NavLink>
          ))}
        </nav>
      </header>
      <FilterBar />
      <main>
        <Routes>
          <Route path="/" element={<Overview />} />
          <Route path="/domains" element={<Domains />} />
          <Route path="/domains/:domain" element={<DomainPage />} />
          <Route path="/senders" element={<Senders />} />
          <Route path="/senders/:organization" element={<SenderPage />} />
          <Route path="/mx" element={<MxHosts />} />
          <Route path="/mx/host/:host?" element={<MxHostPage />} />
          <Route path="/failures" element={<Failures />} />
          <Route path="/reports" element={<Reports />} />
          <Route path="/reports/:id" element={<ReportPage />} />
          <Route path="/import" element={<ImportView />} />
          <Route path="/policies" element={<Policies />} />
          <Route path="/mailboxes" element={<Mailboxes />} />
        </Routes>
      </main>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop reports to import them
        </div>
      )}
    </div>
  );
}
