export { ADMIN_TOKEN, AdminModule, AdminTokenGuard } from './admin.module.js';
