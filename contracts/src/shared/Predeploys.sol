// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Predeploys
/// @notice Fixed addresses shared by the L1 settlement contracts and the L2 genesis. They are
///         constants (not constructor arguments) because the L2 side is installed as runtime
///         code in the genesis alloc, where no constructor ever runs, and because both layers
///         must agree on them without any configuration.
library Predeploys {
    /// @notice The L2 standard bridge: the L2 end of every ERC-20 deposit and withdrawal.
    address internal constant L2_STANDARD_BRIDGE = 0x4200000000000000000000000000000000000010;

    /// @notice Holds the latest L1 block attributes, written by the depositor every L2 block.
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;

    /// @notice Records withdrawals in its storage; L1 proves them against that storage root.
    address internal constant L2_TO_L1_MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    /// @notice Interop: validates executing messages against the transaction's access list.
    address internal constant CROSS_L2_INBOX = 0x4200000000000000000000000000000000000022;

    /// @notice Interop: sends and relays messages between the network's chains.
    address internal constant L2_TO_L2_CROSS_DOMAIN_MESSENGER = 0x4200000000000000000000000000000000000023;

    /// @notice Interop: moves the native asset between chains (burn into, mint out of ETH_LIQUIDITY).
    address internal constant SUPERCHAIN_ETH_BRIDGE = 0x4200000000000000000000000000000000000024;

    /// @notice Interop: the native-asset reserve, funded in the genesis with type(uint248).max wei.
    address internal constant ETH_LIQUIDITY = 0x4200000000000000000000000000000000000025;

    /// @notice Interop: moves ERC-7802 (SuperchainERC20) tokens between chains.
    address internal constant SUPERCHAIN_TOKEN_BRIDGE = 0x4200000000000000000000000000000000000028;

    /// @notice Interop: where a message's sender pays for the gas of its relay (RelayGasPaymaster).
    address internal constant RELAY_GAS_PAYMASTER = 0x4200000000000000000000000000000000000029;

    /// @notice Collects the sequencer's revenue: priority fees (the default coinbase) and relay payments.
    address internal constant SEQUENCER_FEE_VAULT = 0x4200000000000000000000000000000000000011;

    /// @notice The network's reference SuperchainERC20 (PlexusToken, "PLX"), same address on every chain.
    address internal constant REFERENCE_SUPERCHAIN_TOKEN = 0x4200000000000000000000000000000000000500;

    /// @notice The sender of the system transaction that updates {L1_BLOCK}; it has no key.
    address internal constant DEPOSITOR = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;
}
