// `@refarch/bootstrap/mongodb`: what a service on MongoDB needs, apart from the main entry so that services without
// MongoDB never load its driver.
export { MONGO_CLIENT, mongoServiceInfrastructure } from './mongo-service.js';
export type { MongoServiceOptions } from './mongo-service.js';
