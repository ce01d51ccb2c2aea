import { NotificationInitial1764000000000 } from './1764000000000-notification-initial';

export const NOTIFICATION_MIGRATIONS = [NotificationInitial1764000000000];
