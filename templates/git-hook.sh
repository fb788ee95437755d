#!/bin/sh
# cwt-git-hook v2 ({{hook}}): installed by cwt; remove with: cwt install --git-hooks --uninstall
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
cwt_hook={{hook}}

# -- A running cwt process may be asked here first, before any Node starts (none is asked yet). --

# post-commit, with the SQLite store: the commit goes into the state dir's journal (commits/) with one git
# call and no Node; the next cwt process replays it before it reads anything (core/git/commitjournal.ts).
# Anything unusual (a shared store, GIT_WORK_TREE, a relative state dir, a newline in a value) takes Node.
if [ "$cwt_hook" = post-commit ] && [ -z "${GIT_WORK_TREE-}" ] && [ -n "${HOME-}" ]; then
  case "${CWT_STORE-}" in '' | sqlite) cwt_journal=1 ;; *) cwt_journal= ;; esac
  cwt_state=${CWT_HOME:-${XDG_STATE_HOME:+$XDG_STATE_HOME/cwt}}
  cwt_state=${cwt_state:-$HOME/.local/state/cwt}
  case "$cwt_state" in '~') cwt_state=$HOME ;; '~/'*) cwt_state=$HOME/${cwt_state#'~/'} ;; esac
  case "$cwt_state" in /*) ;; *) cwt_journal= ;; esac
  cwt_nl='
'
  case "$PWD${CWT_SKIP_CHECK-}${CWT_SESSION-}${CLAUDE_CODE_SESSION_ID-}$cwt_state" in *"$cwt_nl"*) cwt_journal= ;; esac
  case "$PWD" in /*) ;; *) cwt_journal= ;; esac
  # sha, ref, top level, git dir, common dir: one line each, what the replay would otherwise ask git again.
  if [ -n "$cwt_journal" ] && cwt_heads=$(git rev-parse HEAD --symbolic-full-name HEAD --show-toplevel --absolute-git-dir --git-common-dir 2>/dev/null); then
    cwt_sha=${cwt_heads%%"$cwt_nl"*}
    cwt_dir=$cwt_state/commits
    cwt_name=commit-$PPID-$$-$cwt_sha
    umask 077
    if { [ -d "$cwt_dir" ] || mkdir -p "$cwt_dir"; } &&
      printf '%s\n' 'cwt-commit v1' "$cwt_heads" "$PPID" "${CWT_SKIP_CHECK-}" "${CWT_SESSION-}" "${CLAUDE_CODE_SESSION_ID-}" > "$cwt_dir/.$cwt_name.tmp" &&
      mv -f "$cwt_dir/.$cwt_name.tmp" "$cwt_dir/$cwt_name"; then
      exit 0
    fi
    rm -f "$cwt_dir/.$cwt_name.tmp"
  fi
fi

cwt_node={{node}}
cwt_bin={{bin}}
if [ -x "$cwt_node" ] && [ -f "$cwt_bin" ]; then
  exec "$cwt_node" "$cwt_bin" git-hook {{hook}} "$@"
fi
echo "cwt: $cwt_bin or $cwt_node is gone; {{hook}} check skipped (reinstall: cwt install --git-hooks)" >&2
exit 0
