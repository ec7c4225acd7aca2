/** Room names: one personal room per user, one room per class. */
export const userRoom = (userId: string): string => `user:${userId}`;
export const classRoom = (classId: string): string => `class:${classId}`;
