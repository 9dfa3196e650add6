import { NotFoundError } from '@refarch/errors';

export class UnknownServiceError extends NotFoundError {
  constructor(service: string) {
    super('LAB.UNKNOWN_SERVICE', `No service named ${service.slice(0, 64)} behind this gateway`);
  }
}
