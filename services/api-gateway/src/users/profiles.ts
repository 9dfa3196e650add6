/** Cache key of a user's profile (shared by `/api/users/me` and order composition). */
export const profileKey = (userId: string) => `profile:${userId}`;
