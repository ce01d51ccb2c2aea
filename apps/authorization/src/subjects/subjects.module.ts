import { Module } from '@nestjs/common';
import { InvalidationModule } from '../invalidation/invalidation.module';
import { SubjectDirectory } from './subject-directory';
import { SubjectFactsHandlers } from './subject-facts.handlers';
import { SubjectFactsService } from './subject-facts.service';
import { SubjectNamesBackfill } from './subject-names-backfill';

/** Users and service accounts as authorization knows them: identity's facts (read model) and directory look-ups. */
@Module({
  imports: [InvalidationModule],
  controllers: [SubjectFactsHandlers],
  providers: [SubjectFactsService, SubjectDirectory, SubjectNamesBackfill],
  exports: [SubjectFactsService, SubjectDirectory],
})
export class SubjectsModule {}
