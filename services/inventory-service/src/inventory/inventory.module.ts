import { Module } from '@nestjs/common';
import { InventoryController } from './inventory.controller.js';
import { InventoryRepository } from './inventory.repository.js';
import { InventoryService } from './inventory.service.js';

@Module({ controllers: [InventoryController], providers: [InventoryService, InventoryRepository] })
export class InventoryModule {}
