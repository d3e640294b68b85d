/**
 * The one UPDATE of `grantPaidBenefits` (order-effects.ts): the pack's level, only if it ranks above the buyer's
 * current one, and the pack's score. Parameters: the level to grant (three times), the score to add, the user id.
 * Shared with bench/raw-notify-server.ts, which sends a notify's statements without the service to measure their
 * ceiling.
 */
export const GRANT_PAID_BENEFITS_SQL = `UPDATE partner_users
        SET level_id = CASE WHEN ? IS NOT NULL AND (level_id IS NULL OR level_id NOT IN (
              SELECT l.id FROM partner_levels l WHERE l.level_rank >= (SELECT g.level_rank FROM partner_levels g WHERE g.id = ?)))
            THEN ? ELSE level_id END,
            score = score + ?
      WHERE id = ?`;
