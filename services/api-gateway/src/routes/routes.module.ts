import { Module } from '@nestjs/common';
import { routedServiceControllers } from './routed-services.js';

/** Services that declare a public `route` in the catalog (npx nx g @refarch/plugin:service --public). */
@Module({
  controllers: routedServiceControllers(),
})
export class RoutesModule {}
