// How npm run dist signs, decided from the environment alone, so that a
// release machine and a developer's Mac run the same command.

/**
 * electron-builder's own variables for a macOS signing identity: a .p12
 * (CSC_LINK, with CSC_KEY_PASSWORD) or a keychain identity by name (CSC_NAME).
 */
const MAC_IDENTITY_VARIABLES = ['CSC_LINK', 'CSC_NAME'];

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
