import { IsString, MaxLength } from 'class-validator';

/** The login form's body (`application/x-www-form-urlencoded`): the admin token, typed by a person. */
export class AdminLoginDto {
  @IsString()
  @MaxLength(1024)
  token!: string;
}
