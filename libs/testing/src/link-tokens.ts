import { SealedSecret } from '@gatehouse/contracts';
import { LinkTokenPurpose, LinkTokenSealer } from '@gatehouse/database';

/**
 * LINK_TOKEN_ENCRYPTION_KEYS of every system the harness starts (TestSystem), unless a suite sets its own:
 * specs open with it what identity and authorization sealed in their events, and seal events of their own.
 */
export const E2E_LINK_TOKEN_KEYS = `e2e:${Buffer.alloc(32, 11).toString('base64')}`;

const e2eLinkTokens = new LinkTokenSealer(E2E_LINK_TOKEN_KEYS);

/** Seals a link's secret as a producer of the e2e system does. */
export const sealLinkToken = (token: string, purpose: LinkTokenPurpose, ownerId: string): SealedSecret => e2eLinkTokens.seal(token, purpose, ownerId);

/** Opens a link's secret a producer of the e2e system sealed in its event. */
export const openLinkToken = (sealed: SealedSecret, purpose: LinkTokenPurpose, ownerId: string): string => e2eLinkTokens.open(sealed, purpose, ownerId);
