#!/bin/bash
# driver-dpkg.sh -- dpkg-query logic shared by the dpkg-query and dpkg shims (/usr/lib/nodesim/driver-dpkg.sh).
dpkgq_fmt() { # fmt name version (fork-free unless the format shows the architecture)
  local out=$1 n=$2 v=$3 a=amd64 re='\$\{[^}'$'\n'']+\}'
  [[ $out == *'${Architecture}'* ]] && { a=$(pkg_arch "$n"); a=${a:-amd64}; }
  out=${out//\\n/$'\n'}; out=${out//\\t/$'\t'}
  out=${out//'${Status}'/install ok installed}; out=${out//'${db:Status-Status}'/installed}; out=${out//'${db:Status-Abbrev}'/ii }
  out=${out//'${Version}'/$v}; out=${out//'${binary:Package}'/$n}; out=${out//'${Package}'/$n}; out=${out//'${Architecture}'/$a}
  while [[ $out =~ $re ]]; do out=${out/"${BASH_REMATCH[0]}"/}; done   # unknown fields print nothing
  while [[ $out == *$'\n' ]]; do out=${out%$'\n'}; done
  printf '%s' "$out"; [[ $1 == *'\n' ]] && printf '\n'
}
dpkgq_match() { # pattern [list] -> matching installed "name<TAB>version" lines (list: drv_all_pkgs's output)
  local pat=$1 all=${2-$(drv_all_pkgs)} n v
  while IFS=$'\t' read -r n v; do [ -n "$n" ] && [[ $n == $pat ]] && printf '%s\t%s\n' "$n" "$v"; done <<< "$all"
}
dpkgq_main() {
  local mode= fmt='${binary:Package}\t${Version}\n' pats=() rc=0 p n v m all
  while [ $# -gt 0 ]; do
    case $1 in
      -W|--show) mode=W;; -l|--list) mode=l;; -s|--status) mode=s;; -L|--listfiles) mode=L;; --get-selections) mode=g;;
      -f|--showformat) shift; fmt=$1;; -f=*|--showformat=*) fmt=${1#*=};; -f*) fmt=${1#-f};;
      --no-pager) ;; -*) ;;
      *) pats+=("$1");;
    esac; shift
  done
  case $mode in W|l) all=$(drv_all_pkgs);; esac
  case $mode in
    W)
      [ ${#pats[@]} -gt 0 ] || pats=('*')
      for p in "${pats[@]}"; do m=$(dpkgq_match "$p" "$all")
        if [ -z "$m" ]; then echo "dpkg-query: no packages found matching $p" >&2; rc=1; continue; fi
        while IFS=$'\t' read -r n v; do dpkgq_fmt "$fmt" "$n" "$v"; done <<<"$m"; done;;
    l)
      [ ${#pats[@]} -gt 0 ] || pats=('*')
      local rows=""
      for p in "${pats[@]}"; do m=$(dpkgq_match "$p" "$all")
        if [ -z "$m" ]; then echo "dpkg-query: no packages found matching $p" >&2; rc=1; else rows+="$m"$'\n'; fi; done
      if [ -n "$rows" ]; then
        echo "Desired=Unknown/Install/Remove/Purge/Hold"
        echo "| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend"
        echo "|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)"
        printf '%s\n' "||/ Name                           Version                  Architecture Description"
        printf '%s\n' "+++-==============================-========================-============-================================================"
        while IFS=$'\t' read -r n v; do [ -n "$n" ] || continue
          printf 'ii  %-30s %-24s %-12s %s\n' "$n" "$v" "$(pkg_arch "$n" || echo amd64)" "$(pkg_desc "$n")"; done <<<"$rows"
      fi;;
    s)
      for p in "${pats[@]}"; do
        if v=$(drv_pkg_version "$p"); then
          printf 'Package: %s\nStatus: install ok installed\nPriority: optional\nArchitecture: %s\nVersion: %s\nDescription: %s\n\n' "$p" "$(pkg_arch "$p")" "$v" "$(pkg_desc "$p")"
        else echo "dpkg-query: package '$p' is not installed and no information is available" >&2
          echo "Use dpkg --info (= dpkg-deb --info) to examine archive files." >&2; rc=1; fi
      done;;
    L) for p in "${pats[@]}"; do drv_pkg_installed "$p" || { echo "dpkg-query: package '$p' is not installed" >&2; rc=1; }; done;;
    g) drv_all_pkgs | while IFS=$'\t' read -r n v; do printf '%s\t\t\t\t\t\tinstall\n' "$n"; done;;
    *) echo "dpkg-query: error: need an action option" >&2; return 2;;
  esac
  return $rc
}
dpkg_compare() { # a op b
  local a=$1 op=$2 b=$3 lo
  lo=$(printf '%s\n%s\n' "$a" "$b" | sort -V | head -n1)
  case $op in
    lt|'<<') [ "$a" != "$b" ] && [ "$lo" = "$a" ];; le|'<='|lt-nl) [ "$lo" = "$a" ];; eq|'=') [ "$a" = "$b" ];; ne) [ "$a" != "$b" ];;
    ge|'>='|ge-nl) [ "$lo" = "$b" ];; gt|'>>') [ "$a" != "$b" ] && [ "$lo" = "$b" ];; *) return 2;;
  esac
}
