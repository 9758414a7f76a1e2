# bash completion for uvk (samples/uvk*.c): subcommands, their flags, and topic names from the
# cluster named by -b. Load it with `source samples/uvk-completion.bash`.
_uvk() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD-1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local common="-b -X -F --tls --tls-ca --tls-cert --tls-key --tls-insecure --sasl --user --password"
  local sub=${words[1]}
  if [[ $cword -eq 1 ]]; then
    COMPREPLY=($(compgen -W "produce consume share query metadata topics groups perf --version" -- "$cur"))
    return
  fi
  case $prev in
    -t)
      local b="" i
      for ((i = 1; i < cword; i++)); do [[ ${words[i]} == -b ]] && b=${words[i+1]}; done
      [[ -n $b ]] && COMPREPLY=($(compgen -W "$("${words[0]}" topics list -b "$b" -X logLevel=NOTHING 2>/dev/null)" -- "$cur"))
      return ;;
    -l | -F | --tls-ca | --tls-cert | --tls-key) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -o) COMPREPLY=($(compgen -W "beginning end stored s@ e@" -- "$cur")); return ;;
    --compression | -z) COMPREPLY=($(compgen -W "none gzip snappy lz4 zstd" -- "$cur")); return ;;
    --sasl) COMPREPLY=($(compgen -W "plain scram-sha-256 scram-sha-512" -- "$cur")); return ;;
    --acks) COMPREPLY=($(compgen -W "-1 0 1" -- "$cur")); return ;;
    --ack) COMPREPLY=($(compgen -W "accept release reject" -- "$cur")); return ;;
  esac
  local flags
  case $sub in
    produce) flags="-h -t -p -K -k -D -Z -H -l -T -c -q --acks --compression -z --idempotent --linger-ms" ;;
    consume) flags="-h -t -g -G -p -o --from-beginning -c -e -f -K -D -J -Z -u -q -v --assigner" ;;
    share) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "consume" -- "$cur")); return; }
      flags="-h -t -g -G -c -f -u -q -v --ack" ;;
    query | metadata) flags="-t -J" ;;
    topics) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "create delete list describe" -- "$cur")); return; }
      flags="-t --partitions --replication-factor --config --json" ;;
    groups) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "list describe offsets" -- "$cur")); return; }
      flags="-g -t --reset --json" ;;
    perf) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "produce consume" -- "$cur")); return; }
      flags="-t -n -s -g --acks --compression --each --stats-ms" ;;
  esac
  COMPREPLY=($(compgen -W "$flags $common" -- "$cur"))
}
complete -F _uvk uvk
