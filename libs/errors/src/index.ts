export {
  AppError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from './app-error.js';
export type { AppErrorOptions, FieldError } from './app-error.js';
export { PROBLEM_CONTENT_TYPE, problemType, toProblem, validationErrorFromZod } from './problem.js';
export type { Problem, ProblemDocument } from './problem.js';
export { ProblemDetailsFilter, sendProblem } from './problem.filter.js';
export type { ProblemReply, UnexpectedErrorHandler } from './problem.filter.js';
export { DependencyUnavailableError, isDependencyOutage, OUTAGE_RETRY_AFTER_SECONDS } from './outage.js';
