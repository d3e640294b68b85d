import { escapeHtml, htmlDocument } from '../../common/html';
import type { ErrorDescription } from '../../common/errors/describe-error';
import { SANDBOX_GATEWAY_PATH } from './sandbox-keys';
import type { SandboxCheckoutResult, SandboxPayRequest } from './alipay-sandbox.service';

/** Server-rendered pages of the sandbox gateway; every dynamic value goes through `escapeHtml`. */
export function checkoutPage(request: SandboxPayRequest): string {
  const hidden = Object.entries(request.params)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  return layout(
    '支付宝沙箱收银台 / Alipay sandbox',
    `<p class="amount">¥ ${escapeHtml(request.totalAmount)}</p>
    <dl>
      <dt>商品 / Subject</dt><dd>${escapeHtml(request.subject)}</dd>
      <dt>商户订单号 / out_trade_no</dt><dd>${escapeHtml(request.outTradeNo)}</dd>
      <dt>支付截止 / time_expire</dt><dd>${escapeHtml(request.timeExpire || '-')}</dd>
    </dl>
    <form method="post" action="${SANDBOX_GATEWAY_PATH}/pay">
      ${hidden}
      <button type="submit">确认支付 / Pay</button>
    </form>
    <p class="note">签名已用应用公钥验证 / request signature verified with the app public key. 沙箱不扣真实资金 / no real money moves.</p>`,
  );
}

export function paidPage({ result, returnLink }: SandboxCheckoutResult): string {
  const delivered = result.notify_response === 'success';
  return layout(
    delivered ? '支付成功 / Paid' : '通知未被接受 / Notify refused',
    `<dl>
      <dt>商户订单号 / out_trade_no</dt><dd>${escapeHtml(result.out_trade_no)}</dd>
      <dt>支付宝交易号 / trade_no</dt><dd>${escapeHtml(result.trade_no)}</dd>
      <dt>通知地址 / notify_url</dt><dd>${escapeHtml(result.notify_url)}</dd>
      <dt>通知应答 / notify response</dt><dd class="${delivered ? 'ok' : 'bad'}">${escapeHtml(result.notify_response)}</dd>
    </dl>
    ${returnLink ? `<p><a href="${escapeHtml(returnLink)}">返回商户 / Back to the merchant</a></p>` : ''}`,
  );
}

export function refusalPage(error: Pick<ErrorDescription, 'msg' | 'errors'>): string {
  const details = Object.entries(error.errors)
    .map(([field, message]) => `<li><code>${escapeHtml(field)}</code>: ${escapeHtml(message)}</li>`)
    .join('');
  return layout('无法支付 / Cannot pay', `<p class="bad">${escapeHtml(error.msg)}</p>${details ? `<ul>${details}</ul>` : ''}`);
}

const CSS = `
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.2rem; color: #1677ff; }
.amount { font-size: 2rem; font-weight: 600; margin: 1rem 0; }
dt { color: #666; font-size: .85rem; margin-top: .6rem; }
dd { margin: 0; word-break: break-all; }
button { width: 100%; margin-top: 1.5rem; padding: .8rem; font-size: 1rem; color: #fff; background: #1677ff; border: 0; border-radius: .4rem; }
.note { color: #888; font-size: .8rem; }
.ok { color: #389e0d; }
.bad { color: #cf1322; }
`;

function layout(title: string, body: string): string {
  return htmlDocument(title, CSS, `<h1>${escapeHtml(title)}</h1>${body}`);
}
