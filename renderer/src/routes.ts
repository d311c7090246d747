import { generatePath, matchPath } from 'react-router';

/**
 * Every view of the app, once: its path, the title the window shows for it and,
 * for the views of the top navigation, the label there. App.tsx derives the
 * navigation and the `<Routes>` from this table (a view without a component
 * does not build), and the link helpers below build their paths from it, so a
 * renamed path changes every link with it.
 */
export const ROUTES = {
  overview: { path: '/', title: () => 'Overview', nav: 'Overview' },
  domains: { path: '/domains', title: () => 'Domains', nav: 'Domains' },
  domain: { path: '/domains/:domain', title: (params: Params) => `Domain ${params['domain'] ?? ''}` },
  senders: { path: '/senders', title: () => 'Senders', nav: 'Senders' },
  sender: { path: '/senders/:organization', title: (params: Params) => `Sender ${params['organization'] ?? ''}` },
  mxHosts: { path: '/mx', title: () => 'MX hosts', nav: 'MX hosts' },
  mxHost: {
    path: '/mx/host/:host?',
    title: (params: Params) => `MX host ${params['host'] ?? '(none named)'}`,
  },
  failures: { path: '/failures', title: () => 'Failures', nav: 'Failures' },
  reports: { path: '/reports', title: () => 'Reports', nav: 'Reports' },
  report: { path: '/reports/:id', title: (params: Params) => `Report ${params['id'] ?? ''}` },
  import: { path: '/import', title: () => 'Import', nav: 'Import' },
  policies: { path: '/policies', title: () => 'Policies', nav: 'Policies' },
  mailboxes: { path: '/mailboxes', title: () => 'Mailboxes', nav: 'Mailboxes' },
} as const satisfies Record<string, RouteEntry>;

type Params = Readonly<Record<string, string | undefined>>;

interface RouteEntry {
  path: string;
  title: (params: Params) => string;
  /** The label in the top navigation; views without one are reached from others. */
  nav?: string;
}

export type RouteId = keyof typeof ROUTES;

export const ROUTE_IDS = Object.keys(ROUTES) as RouteId[];

/** The views of the top navigation, in the table's order. */
export const NAVIGATION = ROUTE_IDS.flatMap((id) => {
  const route: RouteEntry = ROUTES[id];
  return route.nav === undefined ? [] : [{ id, to: route.path, label: route.nav }];
});

const APP_NAME = 'tlsrpt-viewer';

/**
 * What the window's title says for a location: the view (and what it
 * shows), then the app. The location's path is encoded (`Google%20Inc.`) and
 * matchPath leaves its parameters so, unlike useParams: the title decodes
 * them, and keeps a parameter that is no valid encoding as it is.
 */
export function documentTitle(pathname: string): string {
  for (const id of ROUTE_IDS) {
    const route: RouteEntry = ROUTES[id];
    const match = matchPath({ path: route.path, end: true }, pathname);
    if (match) {
      const params = Object.fromEntries(
        Object.entries(match.params).map(([key, value]) => [key, value === undefined ? value : decoded(value)]),
      );
      return `${route.title(params)} · ${APP_NAME}`;
    }
  }
  return `Not found · ${APP_NAME}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Where one policy domain's page is. generatePath encodes the name as one path segment. */
export function domainLink(domain: string): string {
  return generatePath(ROUTES.domain.path, { domain });
}

/** The Policies page with a domain chosen. */
export function policiesLink(domain: string): string {
  return withQuery(ROUTES.policies.path, { domain });
}

/** One sender's page; organization names are the senders' own text, so they are encoded. */
export function senderLink(organization: string): string {
  return generatePath(ROUTES.sender.path, { organization });
}

/**
 * Where one MX host's page is. Host names are the senders' text, so the name
 * is one encoded path segment; the failures that name no host are the page
 * without one.
 */
export function mxHostLink(mx: string | null): string {
  return generatePath(ROUTES.mxHost.path, mx === null ? {} : { host: mx });
}

/** One report's page. */
export function reportLink(id: number): string {
  return generatePath(ROUTES.report.path, { id: String(id) });
}

/** The report list, of one sender or all. */
export function reportsLink(organization?: string): string {
  return withQuery(ROUTES.reports.path, { organization });
}
