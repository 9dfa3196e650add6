// Development only (`npm run dev`): the Vite dev server proxies /api to the gateway, so the API is on this origin.
// In production server.mjs answers /config.js itself, from API_BASE_URL.
window.__REFARCH__ = { apiBaseUrl: '' };
