/*
 * psci-probe: a bare-metal "firmware" for the aarch64 virt machine (-bios) that
 * lets a test issue PSCI CPU_ON from the guest, which Linux cannot do for an
 * arbitrary vCPU. It starts at EL1 from flash address 0, with the PSCI conduit
 * HVC (no EL2/EL3), and speaks a line protocol on the PL011 UART:
 *
 *   probe -> "PSCI-PROBE READY\n"
 *   test  -> one hex digit D (MPIDR Aff0 of the target vCPU)
 *   probe -> "CPU_ON D = XXXXXXXXXXXXXXXX\n"   the 64-bit return value in hex
 *   probe -> "UP D\n" when the call succeeded and vCPU D then ran the entry
 *            point, "NOT UP D\n" if it did not within a bounded spin
 *   test  -> "i" then a hex digit D
 *   probe -> "AFFINITY_INFO D = XXXXXXXXXXXXXXXX\n"  (SMC64, affinity level 0)
 *   test  -> "v"
 *   probe -> "PSCI_VERSION = XXXXXXXXXXXXXXXX\n"
 *
 * Giving -bios makes the virt machine create its ACPI GED, so vCPU hotplug is
 * enabled with maxcpus > cpus, as with UEFI.
 */
    .equ UART_BASE,     0x09000000
    .equ UART_DR,       0x00
    .equ UART_FR,       0x18
    .equ UART_FR_RXFE,  (1 << 4)
    .equ UART_FR_TXFF,  (1 << 5)
    .equ RAM_FLAG,      0x40001000      /* written by a started vCPU */
    .equ PSCI_CPU_ON,   0xc4000003      /* SMC64 CPU_ON */
    .equ PSCI_AFF_INFO, 0xc4000004      /* SMC64 AFFINITY_INFO */
    .equ PSCI_VERSION,  0x84000000
    .equ UP_SPINS,      200000000       /* bounded wait for a started vCPU */

    .text
    .global _start
_start:
    mrs     x0, mpidr_el1
    and     x0, x0, #0xff
    cbnz    x0, park                    /* only vCPU 0 runs the protocol */
    ldr     x19, =UART_BASE
    adr     x1, banner
    bl      puts

command:
    bl      getc
    cmp     x0, #'i'
    b.eq    affinity_info
    cmp     x0, #'v'
    b.eq    version
    mov     x20, x0
    bl      hexval                      /* x0 = value, or -1 */
    tbnz    x0, #63, command            /* ignore anything else (newlines) */
    mov     x21, x0                     /* target Aff0 */

    ldr     x1, =RAM_FLAG
    str     xzr, [x1]
    dsb     sy

    ldr     x0, =PSCI_CPU_ON
    mov     x1, x21                     /* target MPIDR */
    adr     x2, secondary               /* entry point */
    add     x3, x21, #1                 /* context id: Aff0 + 1 */
    hvc     #0
    mov     x22, x0                     /* PSCI return value */

    adr     x1, msg_cpu_on
    bl      puts
    mov     x0, x20
    bl      putc
    adr     x1, msg_equals
    bl      puts
    mov     x0, x22
    bl      puthex64
    mov     x0, #'\n'
    bl      putc
    cbnz    x22, command                /* no vCPU to wait for */

    ldr     x1, =RAM_FLAG
    ldr     x2, =UP_SPINS
    add     x3, x21, #1
1:  ldr     x4, [x1]
    cmp     x4, x3
    b.eq    2f
    subs    x2, x2, #1
    b.ne    1b
    adr     x1, msg_not_up
    b       3f
2:  adr     x1, msg_up
3:  bl      puts
    mov     x0, x20
    bl      putc
    mov     x0, #'\n'
    bl      putc
    b       command

/* "i" D: AFFINITY_INFO of the vCPU whose Aff0 is D, at affinity level 0 */
affinity_info:
    bl      getc
    mov     x20, x0
    bl      hexval
    tbnz    x0, #63, command
    mov     x1, x0                      /* target MPIDR */
    ldr     x0, =PSCI_AFF_INFO
    mov     x2, #0                      /* lowest affinity level */
    hvc     #0
    mov     x22, x0
    adr     x1, msg_aff_info
    bl      puts
    mov     x0, x20
    bl      putc
    adr     x1, msg_equals
    bl      puts
    b       print_result

/* "v": PSCI_VERSION */
version:
    ldr     x0, =PSCI_VERSION
    hvc     #0
    mov     x22, x0
    adr     x1, msg_version
    bl      puts
print_result:
    mov     x0, x22
    bl      puthex64
    mov     x0, #'\n'
    bl      putc
    b       command

/* A vCPU started by CPU_ON: x0 is the context id. Report it, then stay idle. */
secondary:
    ldr     x1, =RAM_FLAG
    str     x0, [x1]
    dsb     sy
    sev
park:
    wfe
    b       park

/* x0 = next character from the UART */
getc:
    ldr     w1, [x19, #UART_FR]
    tst     w1, #UART_FR_RXFE
    b.ne    getc
    ldr     w0, [x19, #UART_DR]
    and     w0, w0, #0xff
    ret

/* writes the character in x0 */
putc:
    ldr     w9, [x19, #UART_FR]
    tst     w9, #UART_FR_TXFF
    b.ne    putc
    str     w0, [x19, #UART_DR]
    ret

/* writes the NUL-terminated string at x1 (clobbers x0, x1, x9, x10) */
puts:
    mov     x10, x30
1:  ldrb    w0, [x1], #1
    cbz     w0, 2f
    bl      putc
    b       1b
2:  ret     x10

/* writes x0 as 16 hex digits (clobbers x0, x9-x13) */
puthex64:
    mov     x12, x30
    mov     x11, x0
    mov     x13, #60
1:  lsr     x0, x11, x13
    and     x0, x0, #0xf
    cmp     x0, #10
    b.lt    2f
    add     x0, x0, #('a' - 10 - '0')
2:  add     x0, x0, #'0'
    bl      putc
    subs    x13, x13, #4
    b.ge    1b
    ret     x12

/* x0: the value of the hex digit in x0, or -1 */
hexval:
    sub     x1, x0, #'0'
    cmp     x1, #9
    b.ls    1f
    sub     x1, x0, #'a'
    cmp     x1, #5
    b.hi    2f
    add     x1, x1, #10
1:  mov     x0, x1
    ret
2:  mov     x0, #-1
    ret

banner:     .asciz "PSCI-PROBE READY\n"
msg_cpu_on: .asciz "CPU_ON "
msg_equals: .asciz " = "
msg_aff_info: .asciz "AFFINITY_INFO "
msg_version: .asciz "PSCI_VERSION = "
msg_up:     .asciz "UP "
msg_not_up: .asciz "NOT UP "
    .balign 8
    .ltorg
