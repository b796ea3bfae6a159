/*
 * banned.h - functions that are easy to misuse, made compile errors (the
 * idea is git's).  Include it last in every .c file.  Use instead:
 *   strcpy/strcat/sprintf -> struct buf, snprintf
 *   strtok                -> str_cut
 *   atoi/atol             -> num_parse_i64 (checked, ranged)
 *   gmtime/localtime      -> gmtime_r, or tz.h for zone-aware time
 *   rand                  -> randombytes_buf / randombytes_uniform
 */
#ifndef INFUUS_BANNED_H
#define INFUUS_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef rand
#define rand() BANNED(rand)

#endif
