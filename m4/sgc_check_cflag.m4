# SGC_CHECK_CFLAG(FLAG, ACTION-IF-OK, [ACTION-IF-NOT])
# Runs ACTION-IF-OK when the C compiler accepts FLAG without a warning.
AC_DEFUN([SGC_CHECK_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  sgc_save_CFLAGS="$CFLAGS"
  CFLAGS="$CFLAGS $1 -Werror"
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
    [AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no]); $3])
  CFLAGS="$sgc_save_CFLAGS"
])
