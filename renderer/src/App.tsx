import { useEffect, useRef, useState, type ComponentType, type DragEvent } from 'react';
import { HashRouter, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { pathForFile } from './api/client.js';
import { FilterBar } from './components/FilterBar.js';
import { BackendStatus } from './components/BackendStatus.js';
import { NotFound } from './components/States.js';
import { NAVIGATION, ROUTES, ROUTE_IDS, documentTitle, type RouteId } from './routes.js';
import { readDrop } from './import/collect-files.js';
import { ImportProvider, useImports } from './import/ImportProvider.js';
import { FilterProvider } from './state/filter.js';
import { useScrollRestoration } from './state/scroll-restoration.js';
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

/** The component of every route of the table: a route without one does not build. */
const VIEWS: Record<RouteId, ComponentType> = {
  overview: Overview,
  domains: Domains,
  domain: DomainPage,
  senders: Senders,
  sender: SenderPage,
  mxHosts: MxHosts,
  mxHost: MxHostPage,
  failures: Failures,
  reports: Reports,
  report: ReportPage,
  import: ImportView,
  policies: Policies,
  mailboxes: Mailboxes,
};

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
  useScrollRestoration();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  useEffect(() => {
    document.title = documentTitle(pathname);
  }, [pathname]);
  const [dragging, setDragging] = useState(false);
  const main = useRef<HTMLElement>(null);
  // File ▸ Import… in the desktop app's menu: the same path as the Import
  // view's buttons. Files the OS opened the app with are asked for when main
  // says there are some, and once at start for those that came before the
  // page listened.
  useEffect(() => {
    const bridge = window.tlsrpt;
    if (!bridge) return undefined;
    const importOpened = (): void => {
      void chooseAndImport('opened', () => void navigate(ROUTES.import.path));
    };
    const remove = bridge.onMenuCommand((command) => {
      if (command === 'import-opened') {
        importOpened();
        return;
      }
      void navigate(ROUTES.import.path);
      void chooseAndImport(command === 'import-files' ? 'files' : 'folder');
    });
    importOpened();
    return remove;
  }, [navigate, chooseAndImport]);
  const onDrop = (event: DragEvent<HTMLDivElement>): void => {
    event.preventDefault();
    setDragging(false);
    const dropped = readDrop(event.dataTransfer, pathForFile);
    if ('paths' in dropped) {
      void navigate(ROUTES.import.path);
      void importPaths(dropped.paths);
      return;
    }
    void dropped.files.then((files) => {
      if (files.length === 0) return;
      void navigate(ROUTES.import.path);
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
      {/* The first Tab stop: past the navigation and the filters to the view. It moves the focus itself: to the
          hash router, a fragment link would be a route. */}
      <a
        className="skip-link"
        href="#main-content"
        onClick={(event) => {
          event.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="top">
        <h1>tlsrpt-viewer</h1>
        <nav aria-label="Views">
          {NAVIGATION.map((item) => (
            <NavLink key={item.id} to={item.to} end={item.to === ROUTES.overview.path}>
              {item.label}
            </NavLink>
          ))}
        </nav>
      </header>
      <FilterBar />
      <BackendStatus />
      <main id="main-content" ref={main} tabIndex={-1}>
        <Routes>
          {ROUTE_IDS.map((id) => {
            const View = VIEWS[id];
            return <Route key={id} path={ROUTES[id].path} element={<View />} />;
          })}
          <Route path="*" element={<NotFound what="page" />} />
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
