#!/bin/sh
# cwt-git-hook v1 ({{hook}}): installed by cwt; remove with: cwt install --git-hooks --uninstall
# The hook that was here before is kept as {{hook}}.cwt-chained and runs first; its failure fails git.
if [ -x "$0.cwt-chained" ]; then
  IFS= read -r cwt_first < "$0.cwt-chained" || :
  case "$cwt_first" in
    # A sh script runs sourced with this $0: husky's hooks find their own script by the name they run as.
    '#!/bin/sh' | '#!/bin/sh '* | '#!/usr/bin/env sh' | '#!/usr/bin/env sh '*)
      CWT_CHAINED="$0.cwt-chained" sh -c '. "$CWT_CHAINED"' "$0" "$@" || exit $? ;;
    *) "$0.cwt-chained" "$@" || exit $? ;;
  esac
fi
cwt_node={{node}}
cwt_bin={{bin}}
if [ -x "$cwt_node" ] && [ -f "$cwt_bin" ]; then
  exec "$cwt_node" "$cwt_bin" git-hook {{hook}} "$@"
fi
echo "cwt: $cwt_bin or $cwt_node is gone; {{hook}} check skipped (reinstall: cwt install --git-hooks)" >&2
exit 0
