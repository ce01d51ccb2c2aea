import { Module } from '@nestjs/common';
import { CatalogueHandlers } from './catalogue.handlers';

/** The permission catalogue and role templates (the managed roles' definitions live here too). */
@Module({ controllers: [CatalogueHandlers] })
export class CatalogueModule {}
