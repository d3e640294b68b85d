import { ValidationError, ValidationPipe } from '@nestjs/common';
import { FieldErrors, InvalidParamsError } from '../errors/app-error';

/** Chinese texts for the constraints our DTOs use; anything else keeps class-validator's message. */
const MESSAGES: Record<string, (field: string, error: ValidationError) => string> = {
  isDefined: (f) => `${f} 不能为空`,
  isNotEmpty: (f) => `${f} 不能为空`,
  isString: (f) => `${f} 必须是字符串`,
  isInt: (f) => `${f} 必须是整数`,
  isNumber: (f) => `${f} 必须是数字`,
  isBoolean: (f) => `${f} 必须是布尔值`,
  isArray: (f) => `${f} 必须是数组`,
  isObject: (f) => `${f} 必须是对象`,
  min: (f, e) => `${f} 不能小于 ${constraintArg(e, 'min')}`,
  max: (f, e) => `${f} 不能大于 ${constraintArg(e, 'max')}`,
  maxLength: (f, e) => `${f} 长度不能超过 ${constraintArg(e, 'maxLength')}`,
  minLength: (f, e) => `${f} 长度不能少于 ${constraintArg(e, 'minLength')}`,
  matches: (f) => `${f} 格式不正确`,
  isIn: (f, e) => `${f} 必须是 ${constraintArg(e, 'isIn')}`,
  arrayMaxSize: (f, e) => `${f} 最多 ${constraintArg(e, 'arrayMaxSize')} 项`,
  arrayMinSize: (f, e) => `${f} 至少 ${constraintArg(e, 'arrayMinSize')} 项`,
  whitelistValidation: (f) => `${f} 是不支持的参数`,
  isMoney: (f) => `${f} 必须是最多两位小数的金额`,
};

/** Constraint arguments are not kept on ValidationError; class-validator's English message ends with them. */
function constraintArg(error: ValidationError, name: string): string {
  const text = error.constraints?.[name] ?? '';
  if (name === 'isIn') return (/values:\s*(.+)$/.exec(text)?.[1] ?? text).split(/,\s*/).join(' 或 ');
  return /(-?\d+(?:\.\d+)?)\D*$/.exec(text)?.[1] ?? text;
}

function collect(errors: ValidationError[], prefix: string, out: FieldErrors): void {
  for (const error of errors) {
    const path = prefix ? (/^\d+$/.test(error.property) ? `${prefix}[${error.property}]` : `${prefix}.${error.property}`) : error.property;
    const [first] = Object.keys(error.constraints ?? {});
    if (first && !out[path]) {
      const template = MESSAGES[first];
      out[path] = template ? template(path, error) : (error.constraints?.[first] ?? '参数错误');
    }
    if (error.children?.length) collect(error.children, path, out);
  }
}

export function toFieldErrors(errors: ValidationError[]): FieldErrors {
  const out: FieldErrors = {};
  collect(errors, '', out);
  return out;
}

/** DTOs validate shape: unknown fields are refused, values transformed, errors become 40001 with field messages. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new InvalidParamsError(toFieldErrors(errors)),
  });
}
