// The columns a list may be sorted by, apart from the contract's schemas: the
// UI checks a sort named in its URL against them, and importing them from
// contract.ts would bring zod into the UI's bundle, whose check for eval
// breaks the page's script-src policy.

export const FAILURE_SORT_COLUMNS = [
  'startTime',
  'organization',
  'policyDomain',
  'policyType',
  'resultType',
  'receivingMxHostname',
  'sendingMtaIp',
  'receivingIp',
  'failedSessions',
] as const;

export const REPORT_SORT_COLUMNS = ['startTime', 'organization', 'failedSessions', 'successfulSessions'] as const;
