/**
 * The one read of a pay (partner-order.service.ts): the buyer, with the address only if it is theirs, the pack, and
 * whether the buyer's level already ranks at or above the pack's. Parameters: address id, pack id, user id. Shared
 * with bench/raw-pay-server.ts, which sends the pay's statements without the service to measure their ceiling.
 */
export const ORDER_SOURCES_SQL = `SELECT u.id, u.phone, u.real_name, u.id_no, u.level_id,
        a.id AS a_id, a.name AS a_name, a.phone AS a_phone, a.province AS a_province, a.city AS a_city, a.district AS a_district, a.detail AS a_detail,
        g.id AS g_id, g.title AS g_title, g.price AS g_price, g.level_id AS g_level_id, g.score AS g_score, g.stock AS g_stock, g.on_sale AS g_on_sale,
        CASE WHEN ul.level_rank >= gl.level_rank THEN 1 ELSE 0 END AS holds_pack_level
   FROM partner_users u
   LEFT JOIN partner_addresses a ON a.id = ? AND a.user_id = u.id
   LEFT JOIN partner_gift_packs g ON g.id = ?
   LEFT JOIN partner_levels ul ON ul.id = u.level_id
   LEFT JOIN partner_levels gl ON gl.id = g.level_id
  WHERE u.id = ?`;

/** The row `orderSources` reads; a_* and g_* are null when the address (of this user) or the pack is missing. */
export interface OrderSourcesRow {
  id: string;
  phone: string;
  real_name: string;
  id_no: string;
  level_id: string | null;
  a_id: number | null;
  a_name: string;
  a_phone: string;
  a_province: string;
  a_city: string;
  a_district: string;
  a_detail: string;
  g_id: string | null;
  g_title: string;
  g_price: number | string;
  g_level_id: string | null;
  g_score: number | string;
  g_stock: number | string | null;
  g_on_sale: number | string | boolean;
  holds_pack_level: number | string | null;
}
