// How npm run dist signs, decided from the environment alone, so that a
// release machine and a developer's Mac run the same command.

/**
 * electron-builder's own variables for a macOS signing identity: a .p12
 * (CSC_LINK, with CSC_KEY_PASSWORD) or a keychain identity by name (CSC_NAME).
 */
const MAC_IDENTITY_VARIABLES = ['CSC_LINK', 'CSC_NAME'];

/**
 * The sets of variables electron-builder 26 notarizes with (its
 * macPackager reads them): an App Store Connect API key, an Apple ID with
 * an app-specific password, or a notarytool keychain profile. With none of
 * them it only warns, and a signed but unnotarized app is blocked by
 * Gatekeeper on every Mac but the one that built it.
 */
const NOTARIZATION_CREDENTIALS = [
  ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
  ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
  ['APPLE_KEYCHAIN_PROFILE', 'APPLE_KEYCHAIN'],
];

/**
 * Why a release-signed macOS build must not start, or null: a signing
 * identity is given but no complete set of notarization credentials.
 *
 * @param {Record<string, string | undefined>} env
 * @returns {string | null}
 */
export function macNotarizationRefusal(env) {
  const set = (name) => (env[name] ?? '') !== '';
  if (!MAC_IDENTITY_VARIABLES.some(set)) return null;
  if (NOTARIZATION_CREDENTIALS.some((names) => names.every(set))) return null;
  return (
    'tlsrpt-viewer: a macOS signing identity is given (CSC_LINK or CSC_NAME) but no notarization credentials: set ' +
    NOTARIZATION_CREDENTIALS.map((names) => names.join(' + ')).join(', or ') +
    '. An unnotarized signed app would not open on other Macs; leave CSC_LINK and CSC_NAME unset for a local build.'
  );
}

/**
 * electron-builder arguments that turn build/electron-builder.yml's release
 * signing (Developer ID, hardened runtime, notarization) into a local build
 * when no identity is given: an ad-hoc signature ("-"), which Apple silicon
 * needs to run the app at all, without the hardened runtime (an ad-hoc
 * signature cannot satisfy its library validation) and without notarization
 * (which needs a Developer ID).
 *
 * @param {Record<string, string | undefined>} env
 * @returns {{ args: string[], note: string | null }}
 */
export function macSigningArguments(env) {
  if (MAC_IDENTITY_VARIABLES.some((name) => (env[name] ?? '') !== '')) return { args: [], note: null };
  return {
    args: ['-c.mac.identity=-', '-c.mac.hardenedRuntime=false', '-c.mac.notarize=false'],
    note:
      'tlsrpt-viewer: no macOS signing identity (CSC_LINK or CSC_NAME): a macOS build is signed ad hoc, runs on this ' +
      'Mac only, and asks again for keychain access after each update.',
  };
}
