# fish completion for secretctl. Installed where fish looks (pkg-config fish
# completionsdir); `secretctl completion fish` prints this file. Key paths
# come from `secretctl ls STORE --prefix P --depth 1`: no identity is needed.

set -g __secretctl_commands apply completion decrypt edit encrypt exec extract git-merge init install keygen keyring ls podman recipients render rotate set unset upgrade verify
# options that take a value, for finding positional arguments
set -g __secretctl_argopts -e --env -f --file --format --name -i --identity --passphrase-file \
    -o --output -r --recipient -R --recipients-file --work-factor --from --value-file \
    --dir --owner --group --mode --reader -l --label --podman --driver --driver-bin --prefix --depth -y --public --uid --template

# The positional arguments after the command, before the current token.
function __secretctl_positionals
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l cmd_seen 0
    set -l skip 0
    for t in $toks
        if test $skip = 1
            set skip 0
            continue
        end
        if test $cmd_seen = 0
            string match -q -- '-*' $t; or set cmd_seen 1
            continue
        end
        switch $t
            case '--' '--*=*'
            case '-?*'
                contains -- $t $__secretctl_argopts; and set skip 1
            case '*'
                echo $t
        end
    end
end

function __secretctl_cmd
    for t in (commandline -opc)[2..-1]
        string match -q -- '-*' $t; and continue
        echo $t
        return 0
    end
    return 1
end

# The store: the first positional argument, else $SECRETCTL_STORE.
function __secretctl_store
    set -l pos (__secretctl_positionals)
    if set -q pos[1]
        string replace -r '^~(?=/|$)' $HOME -- $pos[1]
    else if set -q SECRETCTL_STORE
        echo $SECRETCTL_STORE
    end
end

# Key paths of store $argv[1] (default: the command line's), one segment at a time.
function __secretctl_keys
    set -l store $argv[1]
    test -n "$store"; or set store (__secretctl_store)
    test -n "$store" -a -r "$store"; or return 1
    set -l bin (commandline -opc)[1]
    string match -qr '(^|/)secretctl$' -- $bin; or set bin secretctl
    set -l cur (commandline -ct | string unescape)
    # --env=PATH, -ePATH: the part after the option
    set -l head ''
    if string match -qr -- '^(--[a-z-]+=|-[efpr])' $cur
        set head (string match -r -- '^(--[a-z-]+=|-[efpr])' $cur)[1]
        set cur (string sub -s (math (string length -- $head) + 1) -- $cur)
    end
    # a quoted path holds control characters: left out
    command $bin ls $store --prefix "$cur" --depth 1 2>/dev/null | string match -v -- '"*' |
        string replace -r '^' -- "$head"
end

function __secretctl_store_files
    set -l cur (commandline -ct | string unescape)
    set -l f (__fish_complete_suffix .yaml) (__fish_complete_suffix .yml)
    if set -q f[1]
        printf '%s\n' $f
    else
        __fish_complete_path $cur
    end
end

function __secretctl_needs_store
    set -l cmd (__secretctl_cmd); or return 1
    contains -- $cmd apply decrypt edit encrypt exec extract git-merge init install podman render rotate upgrade verify; or return 1
    set -l n (count (__secretctl_positionals))
    # edit STORE --merge BASE OURS THEIRS; git-merge BASE OURS THEIRS
    if contains -- $cmd edit git-merge
        test $n -lt 4
    else
        test $n -eq 0
    end
end

# ls, set, unset: STORE PATH, or PATH alone with $SECRETCTL_STORE
function __secretctl_store_or_path
    set -l cmd (__secretctl_cmd); or return 1
    contains -- $cmd ls set unset; or return 1
    set -l pos (__secretctl_positionals)
    set -l cur (commandline -ct)
    if test (count $pos) -eq 1
        __secretctl_keys
    else if test (count $pos) -eq 0
        set -l keys
        if set -q SECRETCTL_STORE; and not string match -qr '^[/.~]' -- $cur
            set keys (__secretctl_keys $SECRETCTL_STORE)
        end
        if set -q keys[1]
            printf '%s\n' $keys
        else
            __secretctl_store_files
        end
    end
end

function __secretctl_recipients_args
    # STORE VERB [R], or VERB [STORE] [R]; given: recipients on the line
    set -l pos (__secretctl_positionals)
    set -l verb ''
    set -l rest $pos
    set -l given 0
    if set -q pos[1]; and contains -- $pos[1] add rm ls
        set verb $pos[1]
        set -e rest[1]
        if set -q rest[2]
            set given (math (count $rest) - 1)
        else if set -q rest[1]; and set -q SECRETCTL_STORE
            # VERB R with $SECRETCTL_STORE, unless it names a store file
            test -f (string replace -r '^~(?=/|$)' $HOME -- $rest[1]); or set given 1
        end
    else if set -q pos[2]
        set verb $pos[2]
        set given (math (count $pos) - 2)
        set rest $pos[1]
    end
    if test -z "$verb"
        set -q rest[1]; or __secretctl_store_files
        printf '%s\n' add rm ls
    else if test $given -gt 0
        # rm takes one recipient
    else if test "$verb" = rm
        set -l store $SECRETCTL_STORE
        set -q rest[1]; and set store (string replace -r '^~(?=/|$)' $HOME -- $rest[1])
        test -n "$store" -a -r "$store"; and command secretctl recipients $store 2>/dev/null
    else if not set -q rest[1]
        __secretctl_store_files
    end
end

function __secretctl_keyring_args
    set -l pos (__secretctl_positionals)
    if not set -q pos[1]
        printf '%s\t%s\n' add 'add an identity' rm 'remove an identity' ls 'list identities'
    else if test (count $pos) -eq 1; and test $pos[1] = add
        __fish_complete_path (commandline -ct)
    else if test (count $pos) -eq 1; and test $pos[1] = rm
        command secretctl keyring ls 2>/dev/null | string match -r 'age1[0-9a-z]+'
    end
end

function __secretctl_using
    set -l cmd (__secretctl_cmd); or return 1
    contains -- $cmd $argv
end

complete -c secretctl -f
complete -c secretctl -n __fish_use_subcommand -s h -l help -d 'show help'
complete -c secretctl -n __fish_use_subcommand -s V -l version -d 'print the version'
complete -c secretctl -n __fish_use_subcommand -a apply -d "make a manifest's install files and podman secrets right, in one process"
complete -c secretctl -n __fish_use_subcommand -a completion -d 'print the completion script for bash, zsh or fish'
complete -c secretctl -n __fish_use_subcommand -a decrypt -d 'print the whole plaintext view of a store'
complete -c secretctl -n __fish_use_subcommand -a edit -d 'edit the plaintext view in $EDITOR, re-encrypt, save'
complete -c secretctl -n __fish_use_subcommand -a encrypt -d 'turn a plaintext view into a store'
complete -c secretctl -n __fish_use_subcommand -a exec -d 'run a command with its secrets in its environment or as paths'
complete -c secretctl -n __fish_use_subcommand -a extract -d 'print a value: env form (-e) or file form (-f)'
complete -c secretctl -n __fish_use_subcommand -a git-merge -d "git's merge driver for stores"
complete -c secretctl -n __fish_use_subcommand -a init -d 'create a new store'
complete -c secretctl -n __fish_use_subcommand -a install -d 'install a value under /etc/secrets/$UID, atomically'
complete -c secretctl -n __fish_use_subcommand -a keygen -d 'make a new age X25519 identity'
complete -c secretctl -n __fish_use_subcommand -a keyring -d 'identities in the desktop Secret Service'
complete -c secretctl -n __fish_use_subcommand -a ls -d 'list the key paths of a store (needs no key)'
complete -c secretctl -n __fish_use_subcommand -a podman -d 'put values into podman secrets'
complete -c secretctl -n __fish_use_subcommand -a recipients -d 'list, add or remove key slots'
complete -c secretctl -n __fish_use_subcommand -a render -d "fill a template's placeholders with values"
complete -c secretctl -n __fish_use_subcommand -a rotate -d 'new data key, every token re-encrypted'
complete -c secretctl -n __fish_use_subcommand -a set -d 'set one value (from stdin)'
complete -c secretctl -n __fish_use_subcommand -a unset -d 'remove one key'
complete -c secretctl -n __fish_use_subcommand -a upgrade -d 'check a version 1 store and rewrite it as version 2'
complete -c secretctl -n __fish_use_subcommand -a verify -d 'check the MAC, every tag and the view'

# positional arguments
complete -c secretctl -n '__secretctl_using completion; and test (count (__secretctl_positionals)) -eq 0' -a 'bash zsh fish'
complete -c secretctl -n __secretctl_needs_store -a '(__secretctl_store_files)'
complete -c secretctl -n '__secretctl_using ls set unset' -a '(__secretctl_store_or_path)'
complete -c secretctl -n '__secretctl_using recipients' -a '(__secretctl_recipients_args)'
complete -c secretctl -n '__secretctl_using keyring' -a '(__secretctl_keyring_args)'
complete -c secretctl -n '__secretctl_using render; and test (count (__secretctl_positionals)) -eq 1' -F

# options every command that opens a store takes
set -l keycmds apply decrypt edit encrypt exec extract git-merge init install podman recipients render rotate set unset upgrade verify
complete -c secretctl -n "__secretctl_using $keycmds" -s i -l identity -r -F -d 'identity file (repeatable)'
complete -c secretctl -n "__secretctl_using $keycmds" -l passphrase-file -r -F -d 'read the store passphrase from FILE'
complete -c secretctl -n "__secretctl_using $keycmds keyring install-write" -s v -l verbose -d 'say what is done'
complete -c secretctl -n '__secretctl_using edit recipients rotate set unset upgrade verify' -l no-wait -d 'fail at once when the store is locked'
complete -c secretctl -n '__secretctl_using edit encrypt init recipients rotate set unset upgrade verify' -l sign-with -r -F -d 'sign the store with this ssh-ed25519 key (a .pub: through ssh-agent)'
complete -c secretctl -n '__secretctl_using edit encrypt init recipients rotate set unset upgrade verify' -l drop-signatures -d 'write a signed store unsigned'
complete -c secretctl -n '__secretctl_using (string split " " -- $__secretctl_commands)' -s h -l help -d 'show help'
# new stores
set -l newcmds edit encrypt init
complete -c secretctl -n "__secretctl_using $newcmds" -s r -l recipient -x -d 'encrypt to age recipient R (repeatable)'
complete -c secretctl -n "__secretctl_using $newcmds" -s R -l recipients-file -r -F -d 'encrypt to the recipients in FILE'
complete -c secretctl -n "__secretctl_using $newcmds" -l passphrase -d 'add a passphrase (scrypt) slot'
complete -c secretctl -n "__secretctl_using $newcmds" -l work-factor -x -d 'scrypt work factor log2 (default 18)'
# -e / -f take a key path
complete -c secretctl -n '__secretctl_using extract install podman exec' -s e -l env -x -a '(__secretctl_keys)' -d 'env form'
complete -c secretctl -n '__secretctl_using exec' -l file -x -d 'VAR=PATH: VAR names a path that reads the value'
# exec STORE ... -- COMMAND: the command, then what it completes
complete -c secretctl -n '__secretctl_using exec; and contains -- -- (commandline -opc)' -x -a '(__fish_complete_subcommand --fcs-skip=(math (contains -i -- -- (commandline -opc))))'
complete -c secretctl -n '__secretctl_using extract install podman' -s f -l file -x -a '(__secretctl_keys)' -d 'file form'
complete -c secretctl -n '__secretctl_using extract install' -l format -x -a 'systemd podman docker shell json' -d 'env dialect'
complete -c secretctl -n '__secretctl_using extract exec' -l name -x -d 'env form of a scalar: the variable name'
complete -c secretctl -n '__secretctl_using extract install podman' -l verify -d 'no effect: the MAC is always checked'
# per command
complete -c secretctl -n '__secretctl_using decrypt' -s o -l output -r -F -d 'write the plaintext to FILE (never overwritten)'
complete -c secretctl -n '__secretctl_using encrypt' -s o -l output -r -F -d 'write the store to STORE (never overwritten)'
complete -c secretctl -n '__secretctl_using edit' -l allow-disk-tmp -d 'allow a workspace that is not on tmpfs'
complete -c secretctl -n '__secretctl_using edit' -l merge -d 'edit the merge of BASE OURS THEIRS, save it as STORE'
complete -c secretctl -n '__secretctl_using verify' -l repair -d 'write a new MAC after a hand merge'
complete -c secretctl -n '__secretctl_using verify' -l against -r -F -d 'list the differences from the store GOOD'
complete -c secretctl -n '__secretctl_using verify' -l yes -d '--repair: do not ask'
complete -c secretctl -n '__secretctl_using upgrade' -l yes -d 'do not ask'
complete -c secretctl -n '__secretctl_using init' -l from -r -F -d 'encrypt this plaintext view'
complete -c secretctl -n '__secretctl_using install' -l dir -x -a '(__fish_complete_directories)' -d 'directory (default /etc/secrets/$UID)'
complete -c secretctl -n '__secretctl_using install' -l owner -x -a '(__fish_complete_users)' -d 'file owner'
complete -c secretctl -n '__secretctl_using install' -l group -x -a '(__fish_complete_groups)' -d 'file group'
complete -c secretctl -n '__secretctl_using install install-write' -l mode -x -d 'file mode, octal (default 0400)'
complete -c secretctl -n '__secretctl_using install install-write' -l reader -x -d 'let this container uid read it (repeatable)'
complete -c secretctl -n '__secretctl_using install' -l sudo -d "write through 'sudo -n secretctl install-write'"
complete -c secretctl -n '__secretctl_using install install-write' -l mkdir -d 'create a missing directory'
complete -c secretctl -n '__secretctl_using install' -l dry-run -d 'say what would change, change nothing'
complete -c secretctl -n '__secretctl_using install' -l template -r -F -d 'install TEMPLATE filled in (NAME required)'
complete -c secretctl -n '__secretctl_using render' -s o -l output -r -F -d 'write to a new FILE, mode 0600'
complete -c secretctl -n '__secretctl_using install-write' -l uid -x -d "the sudo caller's uid"
complete -c secretctl -n '__secretctl_using keygen' -s o -l output -r -F -d 'write the identity to FILE (never overwritten)'
complete -c secretctl -n '__secretctl_using keygen' -s y -l public -r -F -d 'print the recipients of identity file FILE'
complete -c secretctl -n '__secretctl_using keyring' -l delete-file -d 'remove the identity file after adding it'
complete -c secretctl -n '__secretctl_using ls' -l json -d 'print a JSON array'
complete -c secretctl -n '__secretctl_using ls' -l prefix -x -a '(__secretctl_keys)' -d 'paths below this prefix'
complete -c secretctl -n '__secretctl_using ls' -l depth -x -d 'cut paths N segments below the prefix'
complete -c secretctl -n '__secretctl_using podman' -s l -l label -x -d 'add a label to every secret (repeatable)'
complete -c secretctl -n '__secretctl_using podman' -l podman -x -a '(__fish_complete_command)' -d 'the podman to run'
complete -c secretctl -n '__secretctl_using podman' -l prefix -x -d 'start every secret name with this'
complete -c secretctl -n '__secretctl_using podman' -l driver -x -a 'file shell' -d 'secret driver (shell: podman keeps a reference)'
complete -c secretctl -n '__secretctl_using podman' -l driver-bin -r -d 'the secretctl podman runs as driver'
complete -c secretctl -n '__secretctl_using podman' -l dry-run -d 'say what would change, change nothing'
complete -c secretctl -n '__secretctl_using recipients' -l no-rotate -d 'rm: keep the data key'
complete -c secretctl -n '__secretctl_using set' -l value-file -r -F -d 'read the value from FILE, not stdin'

# apply: --unit from the manifest's units (apply --list needs no key)
function __secretctl_units
    set -l pos (__secretctl_positionals)
    set -l m $SECRETCTL_MANIFEST
    set -q pos[1]; and set m $pos[1]
    test -n "$m" -a -r "$m"; or return 1
    set -l bin (commandline -opc)[1]
    string match -qr '(^|/)secretctl$' -- $bin; or set bin secretctl
    command $bin apply $m --list 2>/dev/null | cut -f4 | string split , | string match -v -- - | sort -u
end
complete -c secretctl -n '__secretctl_using apply' -s u -l unit -x -a '(__secretctl_units)' -d 'only the targets that list UNIT'
complete -c secretctl -n '__secretctl_using apply' -s n -l dry-run -d 'print what would change, change nothing'
complete -c secretctl -n '__secretctl_using apply' -l prune -d 'remove what this manifest made and no longer names'
complete -c secretctl -n '__secretctl_using apply' -l restart -d 'try-restart the units of the targets that changed'
complete -c secretctl -n '__secretctl_using apply' -s l -l list -d 'print the targets, sources and units'
complete -c secretctl -n '__secretctl_using apply' -l podman -x -a '(__fish_complete_command)' -d 'the podman to run'
complete -c secretctl -n '__secretctl_using apply' -l systemctl -x -a '(__fish_complete_command)' -d 'the systemctl to run'
complete -c secretctl -n '__secretctl_using apply' -l sudo -d 'write a directory you cannot write through sudo'
