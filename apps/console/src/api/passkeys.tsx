import { startAuthentication, startRegistration } from '@simplewebauthn/browser';

/** What the browser's passkey ceremonies answer, as JSON for the API (the challenge is the server's). */
export type PasskeyCredential = Record<string, unknown>;

/** Whether this browser can use passkeys at all. */
export const passkeysSupported = (): boolean => typeof window !== 'undefined' && typeof window.PublicKeyCredential === 'function';

/** `navigator.credentials.create()` for the server's registration options. */
export async function createPasskey(options: Record<string, unknown>): Promise<PasskeyCredential> {
  return (await startRegistration({ optionsJSON: options as never })) as unknown as PasskeyCredential;
}

/** `navigator.credentials.get()` for the server's authentication options. */
export async function assertPasskey(options: Record<string, unknown>): Promise<PasskeyCredential> {
  return (await startAuthentication({ optionsJSON: options as never })) as unknown as PasskeyCredential;
}
