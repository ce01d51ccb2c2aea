import 'reflect-metadata';
import { runService } from '@gatehouse/service-runtime';
import { NOTIFICATION_SERVICE } from './service';

runService(NOTIFICATION_SERVICE);
