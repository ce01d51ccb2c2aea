import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { AUTHORIZATION_SERVICE } from './service';

runService(AUTHORIZATION_SERVICE);
