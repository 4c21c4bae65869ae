curl 'https://api.notion.com/v1/blocks/7b391df01dc5430eaae01bc0392cdcb5' \
    -H 'Authorization: Bearer '"$NOTION_API_KEY"'' \
    -H 'Notion-Version: 2025-09-03'
