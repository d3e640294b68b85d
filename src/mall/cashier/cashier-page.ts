import { escapeHtml, htmlDocument } from '../../common/html';
import { Fen, formatYuan } from '../../common/money';

export interface CashierOrderLine {
  orderSn: string;
  storeName: string;
  price: Fen;
}

export type CashierView =
  | { kind: 'not_found' }
  | { kind: 'payable'; tradeSn: string; amount: Fen; orders: CashierOrderLine[]; deadline: string; payPath: string }
  | { kind: 'paid' | 'closed' | 'expired'; tradeSn: string; amount: Fen; orders: CashierOrderLine[] };


const STATE_TEXT = { paid: '订单已支付', closed: '订单已关闭', expired: '订单已超时，请重新下单' } as const;

const CSS = `
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f5f5;color:#333}
main{max-width:480px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:8px;padding:20px;margin-bottom:16px}
.amount{font-size:36px;font-weight:600;text-align:center;margin:8px 0}
.muted{color:#888;font-size:13px;text-align:center}
table{width:100%;border-collapse:collapse;font-size:14px}
td{padding:8px 0;border-bottom:1px solid #eee}
td.price{text-align:right}
.pay{display:block;width:100%;border:0;cursor:pointer;text-align:center;background:#1677ff;color:#fff;text-decoration:none;padding:14px;border-radius:8px;font-size:17px}
.state{text-align:center;font-size:18px;margin:8px 0}
`;

function layout(title: string, body: string): string {
  return htmlDocument(title, CSS, `<main>${body}</main>`);
}

function ordersTable(orders: CashierOrderLine[]): string {
  const rows = orders
    .map((o) => `<tr><td>${escapeHtml(o.storeName)}<br><span class="muted">${escapeHtml(o.orderSn)}</span></td><td class="price">¥${formatYuan(o.price)}</td></tr>`)
    .join('');
  return `<div class="card"><table>${rows}</table></div>`;
}

export function notFoundPage(): string {
  return layout('收银台', '<div class="card"><p class="state">订单不存在</p></div>');
}

/** The cashier page behind `pay_link` (SPEC §6): amount, orders, and the Alipay button while payable. */
export function renderCashier(view: CashierView): string {
  if (view.kind === 'not_found') return notFoundPage();
  const head = `<div class="card"><p class="muted">交易号 ${escapeHtml(view.tradeSn)}</p><p class="amount">¥${formatYuan(view.amount)}</p>`;
  if (view.kind === 'payable') {
    return layout(
      '收银台',
      `${head}<p class="muted">请在 ${escapeHtml(view.deadline)} 前完成支付</p></div>${ordersTable(view.orders)}` +
        `<form method="post" action="${escapeHtml(view.payPath)}"><button class="pay" id="alipay" type="submit">支付宝支付</button></form>`,
    );
  }
  return layout('收银台', `${head}<p class="state">${STATE_TEXT[view.kind]}</p></div>${ordersTable(view.orders)}`);
}
