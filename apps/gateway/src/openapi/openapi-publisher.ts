import { dirname } from 'node:path';
import { schemasRpc, ServiceSchemas } from '@gatehouse/contracts';
import { RpcClient } from '@gatehouse/messaging';
import { GATEWAY } from '../gateway-service';
import { Injectable, Logger } from '@nestjs/common';
import { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import { RouteDefinition } from '../request/route-definition';
import { buildOpenApiDocument } from './openapi-document';

const SERVICES = ['identity', 'tenancy', 'authorization', 'notification'];
const CACHE_MS = 60_000;

const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Gatehouse API</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;
const INIT = "window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#swagger-ui' });";

/** `/api/docs` (Swagger UI, served locally) and `/api/docs/openapi.json`. */
@Injectable()
export class OpenApiPublisher {
  private readonly logger = new Logger('OpenApi');
  private cached?: { document: Record<string, unknown>; complete: boolean; at: number };

  constructor(private readonly rpc: RpcClient) {}

  async register(fastify: FastifyInstance, routes: RouteDefinition[]): Promise<void> {
    await fastify.register(fastifyStatic, {
      root: dirname(require.resolve('swagger-ui-dist/swagger-ui-bundle.js')),
      prefix: '/api/docs/assets/',
      decorateReply: false,
    });
    fastify.get('/api/docs', async (_request, reply) => reply.type('text/html').send(PAGE));
    fastify.get('/api/docs/init.js', async (_request, reply) => reply.type('application/javascript').send(INIT));
    fastify.get('/api/docs/openapi.json', async () => this.document(routes));
  }

  async document(routes: RouteDefinition[]): Promise<Record<string, unknown>> {
    if (this.cached && this.cached.complete && Date.now() - this.cached.at < CACHE_MS) return this.cached.document;
    const results = await Promise.allSettled(
      SERVICES.map((service) => this.rpc.internal(GATEWAY, schemasRpc(service), {})),
    );
    const services = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value as ServiceSchemas] : []));
    if (services.length < SERVICES.length) this.logger.warn('Some services did not report their schemas; the document is partial');
    const document = buildOpenApiDocument(routes, services, process.env.npm_package_version ?? '0.1.0');
    this.cached = { document, complete: services.length === SERVICES.length, at: Date.now() };
    return document;
  }
}
