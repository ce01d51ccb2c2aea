import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { TENANCY_SERVICE } from './service';

runService(TENANCY_SERVICE);
