// Case-insensitive substring filters for Prisma's `contains`, which hands its text to
// ILIKE unescaped: the text is escaped first, so wildcards match as typed.
import { escapeLikePattern } from '../db/like-pattern.js';

export function containsText(text: string): { contains: string; mode: 'insensitive' } {
  return { contains: escapeLikePattern(text), mode: 'insensitive' };
}
