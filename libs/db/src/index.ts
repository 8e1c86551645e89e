export const DB_LIB = 'db';
