import { Module } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller.js';

/** Ingestion of the shop's events and the analytics summary (docs/data-pipeline.md). */
@Module({ controllers: [AnalyticsController] })
export class AnalyticsModule {}
