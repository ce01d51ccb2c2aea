import { Module } from '@nestjs/common';
import { OpenApiPublisher } from './openapi-publisher';

/** `/api/docs` and `/api/docs/openapi.json`, built from the route table and the services' request schemas. */
@Module({
  providers: [OpenApiPublisher],
  exports: [OpenApiPublisher],
})
export class OpenApiModule {}
