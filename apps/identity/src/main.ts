import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { IDENTITY_SERVICE } from './service';

runService(IDENTITY_SERVICE);
