#!/bin/sh
# cwt-git-hook v4 ({{hook}}): installed by cwt; remove with: cwt install --git-hooks --uninstall
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
cwt_nl='
'
# The state dir, as cwt resolves it (core/fs/paths.ts); empty when it is relative or there is no HOME.
cwt_state=
if [ -n "${HOME-}" ]; then
  cwt_state=${CWT_HOME:-${XDG_STATE_HOME:+$XDG_STATE_HOME/cwt}}
  cwt_state=${cwt_state:-$HOME/.local/state/cwt}
  case "$cwt_state" in '~') cwt_state=$HOME ;; '~/'*) cwt_state=$HOME/${cwt_state#'~/'} ;; esac
  case "$cwt_state" in /*) ;; *) cwt_state= ;; esac
fi

# pre-commit: the running per-user service (cwt serve) runs the same check, asked with bash's /dev/tcp (or
# curl), and its answer is printed here: no Node starts. Only when its pid file names a live process started
# when the file says (as the Claude Code fallback guard checks), with every value plain JSON text; else, or on
# any failure of the request (no answer in 2 s, not 200, an answer not ending as it must), Node runs the check.
cwt_json_ok=1
cwt_json=
# Appends "name":"value" for a variable that is set; a value JSON cannot take as it is sends us to Node.
cwt_json_add() {
  case "$2" in *[\"\\]* | *[[:cntrl:]]*) cwt_json_ok= ;; esac
  cwt_json="$cwt_json${cwt_json:+,}\"$1\":\"$2\""
}
# /proc/<pid>/stat after the command name: not a zombie's, and started when the pid file says (field 22).
cwt_is_service() { [ "$1" != Z ] && [ "$1" != X ] && [ "${20-}" = "$cwt_ticks" ]; }
# How to POST: bash's /dev/tcp with builtins only (one process, ~6 ms less than curl's start), else curl.
cwt_find_client() {
  if command -v bash > /dev/null 2>&1; then cwt_client=bash; elif command -v curl > /dev/null 2>&1; then cwt_client=curl; else return 1; fi
}
# The bash client: the body from stdin, one request, the answer's body on stdout when the status is 200; any
# doubt exits non-zero. LC_ALL=C: the length is in bytes. Reads wait 2 s for the answer, then 1 s for the rest.
cwt_bash_post='exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf -v cr "\r"
IFS= read -r -d "" body || :
printf "POST /git/pre-commit HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nContent-Type: application/json\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s" "$1" "${#body}" "$body" >&3 || exit 1
IFS= read -r -t 2 line <&3 || exit 1
case "$line" in "HTTP/1.1 200 "*) ;; *) exit 1 ;; esac
while IFS= read -r -t 1 line <&3; do [ "$line" = "$cr" ] && break; done
[ "$line" = "$cr" ] || exit 1
IFS= read -r -d "" -t 1 rest <&3
[ $? -gt 128 ] && exit 1
printf "%s" "$rest"'
cwt_post() {
  if [ "$cwt_client" = bash ]; then
    LC_ALL=C bash -c "$cwt_bash_post" cwt-git-hook "$cwt_port"
  else
    curl -q -sf --max-time 2 --noproxy '*' -H 'content-type: application/json' --data-binary @- "http://127.0.0.1:$cwt_port/git/pre-commit"
  fi
}
# The same fields: the start (field 22), digits only.
cwt_start_ticks() { case "${20-}" in '' | *[!0-9]*) cwt_start= ;; *) cwt_start=${20} ;; esac; }
if [ "$cwt_hook" = pre-commit ] && [ -n "$cwt_state" ] && [ -z "${CWT_NO_SERVICE-}" ] && [ -f "$cwt_state/fastpath.pid" ] &&
  read -r cwt_pid cwt_ticks cwt_port 2>/dev/null < "$cwt_state/fastpath.pid" &&
  case "$cwt_pid$cwt_port" in '' | *[!0-9]*) false ;; esac &&
  read -r cwt_stat 2>/dev/null < "/proc/$cwt_pid/stat" && cwt_find_client; then
  if cwt_is_service ${cwt_stat##*) }; then
    [ -n "${GIT_INDEX_FILE+x}" ] && cwt_json_add GIT_INDEX_FILE "$GIT_INDEX_FILE"
    [ -n "${CWT_SKIP_CHECK+x}" ] && cwt_json_add CWT_SKIP_CHECK "$CWT_SKIP_CHECK"
    [ -n "${CWT_SESSION+x}" ] && cwt_json_add CWT_SESSION "$CWT_SESSION"
    [ -n "${CLAUDE_CODE_SESSION_ID+x}" ] && cwt_json_add CLAUDE_CODE_SESSION_ID "$CLAUDE_CODE_SESSION_ID"
    [ -n "${CWT_STRICT_CHECK+x}" ] && cwt_json_add CWT_STRICT_CHECK "$CWT_STRICT_CHECK"
    [ -n "${CWT_CLAIM_MODE+x}" ] && cwt_json_add CWT_CLAIM_MODE "$CWT_CLAIM_MODE"
    [ -n "${CWT_CLAIM_TTL+x}" ] && cwt_json_add CWT_CLAIM_TTL "$CWT_CLAIM_TTL"
    [ -n "${CWT_SESSION_TTL+x}" ] && cwt_json_add CWT_SESSION_TTL "$CWT_SESSION_TTL"
    [ -n "${CWT_NO_USER_CONFIG+x}" ] && cwt_json_add CWT_NO_USER_CONFIG "$CWT_NO_USER_CONFIG"
    [ -n "${CWT_HOST_ID+x}" ] && cwt_json_add CWT_HOST_ID "$CWT_HOST_ID"
    [ -n "${CWT_AGENT+x}" ] && cwt_json_add CWT_AGENT "$CWT_AGENT"
    [ -n "${CWT_WORKTREE_DIR+x}" ] && cwt_json_add CWT_WORKTREE_DIR "$CWT_WORKTREE_DIR"
    [ -n "${CWT_GIT_HOOKS+x}" ] && cwt_json_add CWT_GIT_HOOKS "$CWT_GIT_HOOKS"
    [ -n "${CWT_CLAUDE_HOME+x}" ] && cwt_json_add CWT_CLAUDE_HOME "$CWT_CLAUDE_HOME"
    [ -n "${XDG_CONFIG_HOME+x}" ] && cwt_json_add XDG_CONFIG_HOME "$XDG_CONFIG_HOME"
    cwt_json_add HOME "$HOME"
    cwt_env=$cwt_json
    cwt_json=
    cwt_json_add cwd "$PWD"
    cwt_json_add store "${CWT_STORE-}"
    cwt_json_add gitPid "$PPID"
    # This shim's pid and start, which the Node hook below keeps (exec): the service and Node record the event of
    # one commit attempt once, even when the service's answer comes after curl gave up.
    cwt_self=
    read -r cwt_self 2>/dev/null < "/proc/$$/stat" || :
    cwt_start_ticks ${cwt_self##*) }
    cwt_json_add hookPid "$$"
    cwt_json_add hookStart "$cwt_start"
    # The body on stdin (another user's ps would show an argument); curl: -q, no ~/.curlrc; no proxy for loopback.
    if [ -n "$cwt_json_ok" ] && cwt_answer=$(printf '{"v":1,%s,"env":{%s}}' "$cwt_json" "$cwt_env" | cwt_post 2> /dev/null); then
      cwt_code=${cwt_answer%%"$cwt_nl"*}
      cwt_text=${cwt_answer#*"$cwt_nl"}
      case "$cwt_code:$cwt_answer" in
        'cwt-pre-commit '[01]:*"${cwt_nl}cwt-end")
          cwt_text=${cwt_text%cwt-end}
          [ -z "$cwt_text" ] || printf '%s' "$cwt_text" >&2
          exit "${cwt_code#cwt-pre-commit }" ;;
      esac
    fi
  fi
fi

# post-commit, with the SQLite store: the commit goes into the state dir's journal (commits/) with one git
# call and no Node; the next cwt process replays it before it reads anything (core/git/commitjournal.ts).
# Anything unusual (a shared store, GIT_WORK_TREE, a relative state dir, a newline in a value) takes Node.
if [ "$cwt_hook" = post-commit ] && [ -z "${GIT_WORK_TREE-}" ] && [ -n "$cwt_state" ]; then
  case "${CWT_STORE-}" in '' | sqlite) cwt_journal=1 ;; *) cwt_journal= ;; esac
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
