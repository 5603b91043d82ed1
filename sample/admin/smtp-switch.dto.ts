import { IsBoolean } from 'class-validator';

/** The body of `POST /admin/smtp`: `{ "failing": "yes" }` is a 400, not a silent `false`. */
export class SmtpSwitchDto {
  @IsBoolean()
  failing!: boolean;
}
