// The link helpers live with the route table; re-exported for the views that import them from here.
export { domainLink, policiesLink } from '../routes.js';
