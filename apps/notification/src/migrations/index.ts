import { NotificationInitial1764000000000 } from './1764000000000-notification-initial';
import { NotificationDeliveryQueue1764200000000 } from './1764200000000-notification-delivery-queue';

export const NOTIFICATION_MIGRATIONS = [NotificationInitial1764000000000, NotificationDeliveryQueue1764200000000];
