export { OAuthClientsModule } from './oauth-clients.module';
export { OAuthClientsService } from './oauth-clients.service';
export { ProviderClientMetadata } from './provider-client-metadata';
export { redirectUriProblem } from './redirect-uris';
